#include "identity_carrier.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";

CarriedIdentity someone() {
    CarriedIdentity identity{CarriedStatus::kUser,
                             {},
                             R"({"sub":"x","role":"a.b"})",
                             "portal",
                             {3, 42, -86400000000},
                             123456789,
                             10000012345,
                             true};
    for (int i = 0; i < 16; ++i)
        identity.user.bytes[i] = static_cast<std::uint8_t>(i * 17);
    return identity;
}

}  // namespace

TEST(IdentityCarrier, RoundTripsEveryStatus) {
    for (CarriedStatus status : {CarriedStatus::kNone, CarriedStatus::kUser, CarriedStatus::kStale,
                                 CarriedStatus::kInvalid}) {
        CarriedIdentity identity = someone();
        identity.status = status;
        std::string text = seal_carrier(kSecret, "app", identity);
        EXPECT_EQ(text.find_first_not_of("0123456789abcdef.nusiwr-"), std::string::npos) << text;
        auto opened = open_carrier(kSecret, "app", text);
        ASSERT_TRUE(opened);
        EXPECT_EQ(opened->status, status);
        EXPECT_EQ(opened->claims, identity.claims);
        EXPECT_EQ(opened->binding.initiator, 3);
        EXPECT_EQ(opened->binding.transaction, 42u);
        EXPECT_EQ(opened->binding.started, -86400000000);
        EXPECT_EQ(opened->sealed_at, 123456789);
        EXPECT_EQ(opened->role, "portal");
        EXPECT_EQ(opened->gpid, 10000012345u);
        EXPECT_TRUE(opened->writes_grants);
        if (status == CarriedStatus::kUser) {
            EXPECT_TRUE(same_uuid(opened->user, identity.user));
        }
    }
}

TEST(IdentityCarrier, RefusesAnotherSecretOrDatabase) {
    std::string text = seal_carrier(kSecret, "app", someone());
    EXPECT_FALSE(open_carrier(kSecret + "x", "app", text));
    EXPECT_FALSE(open_carrier(kSecret, "app2", text));
}

TEST(IdentityCarrier, RefusesEveryAlteredCharacter) {
    std::string text = seal_carrier(kSecret, "app", someone());
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string changed = text;
        changed[i] = changed[i] == '1' ? '2' : '1';
        EXPECT_FALSE(open_carrier(kSecret, "app", changed)) << i;
    }
    EXPECT_FALSE(open_carrier(kSecret, "app", text.substr(0, text.size() - 2)));
    EXPECT_FALSE(open_carrier(kSecret, "app", ""));
    EXPECT_FALSE(open_carrier(kSecret, "app", "ca2.1.1.1.1.1.r.n...."));
}

TEST(IdentityCarrier, AUserIsCarriedOnlyWithItsStatus) {
    CarriedIdentity none = someone();
    none.status = CarriedStatus::kNone;
    std::string text = seal_carrier(kSecret, "app", none);
    auto opened = open_carrier(kSecret, "app", text);
    ASSERT_TRUE(opened);
    for (std::uint8_t b : opened->user.bytes)
        EXPECT_EQ(b, 0);
}

TEST(IdentityCarrier, FreshOnlyWithinItsLifetime) {
    EXPECT_TRUE(carrier_fresh(1000, 1000));
    EXPECT_TRUE(carrier_fresh(0, kCarrierLifetime));
    EXPECT_FALSE(carrier_fresh(0, kCarrierLifetime + 1));
    EXPECT_FALSE(carrier_fresh(kCarrierLifetime + 1, 0));
}
