#include "identity_carrier.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";
const BoxNonce kNonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
const std::string kLinkKey = "00112233445566778899aabbccddeeff";

CarriedIdentity someone() {
    CarriedIdentity identity{CarriedStatus::kUser,
                             {},
                             R"({"sub":"x","role":"a.b"})",
                             "portal",
                             {3, 42, -86400000000},
                             123456789,
                             CarrierPurpose::kChange,
                             {0x1122334455667788ULL, 0xfedcba9876543210ULL},
                             link_fingerprint(kSecret, kLinkKey)};
    for (int i = 0; i < 16; ++i)
        identity.user.bytes[i] = static_cast<std::uint8_t>(i * 17);
    return identity;
}

std::string seal(const CarriedIdentity &identity) {
    return seal_carrier(kSecret, "app", identity, kNonce);
}

// A backend of the node that the carrier of someone() names by its first session tag.
NodeBackend named_backend() {
    return NodeBackend{DistributedTransaction{3, 42, -86400000000}, "portal", 123456789,
                       0x1122334455667788ULL, ""};
}

}  // namespace

TEST(IdentityCarrier, RoundTripsEveryStatusAndPurpose) {
    for (CarriedStatus status : {CarriedStatus::kNone, CarriedStatus::kUser, CarriedStatus::kStale,
                                 CarriedStatus::kInvalid})
        for (CarrierPurpose purpose : {CarrierPurpose::kRead, CarrierPurpose::kChange,
                                       CarrierPurpose::kTruncate, CarrierPurpose::kFill}) {
            CarriedIdentity identity = someone();
            identity.status = status;
            identity.purpose = purpose;
            std::string text = seal(identity);
            ASSERT_EQ(text.rfind("ca3.", 0), 0u) << text;
            EXPECT_EQ(text.find_first_not_of("0123456789abcdef.", 4), std::string::npos) << text;
            auto opened = open_carrier(kSecret, "app", text);
            ASSERT_TRUE(opened);
            EXPECT_EQ(opened->status, status);
            EXPECT_EQ(opened->purpose, purpose);
            EXPECT_EQ(opened->claims, identity.claims);
            EXPECT_TRUE(same_transaction(opened->transaction, identity.transaction));
            EXPECT_EQ(opened->sealed_at, 123456789);
            EXPECT_EQ(opened->role, "portal");
            EXPECT_EQ(opened->sessions, identity.sessions);
            EXPECT_EQ(opened->link, identity.link);
            if (status == CarriedStatus::kUser) {
                EXPECT_TRUE(same_uuid(opened->user, identity.user));
            }
        }
}

TEST(IdentityCarrier, TellsNothingToWhoeverReadsIt) {
    CarriedIdentity identity = someone();
    std::string text = seal(identity);
    for (std::string_view secret :
         {std::string_view("706f7274616c"),  // "portal" in hex
          std::string_view("portal"), std::string_view("0011223344"),
          std::string_view("1122334455667788"), std::string_view(identity.link)})
        EXPECT_EQ(text.find(secret), std::string::npos) << secret;
    BoxNonce other = kNonce;
    other[0] ^= 1;
    EXPECT_NE(seal_carrier(kSecret, "app", identity, other), text);
}

TEST(IdentityCarrier, RefusesAnotherSecretOrDatabase) {
    std::string text = seal(someone());
    EXPECT_FALSE(open_carrier(kSecret + "x", "app", text));
    EXPECT_FALSE(open_carrier(kSecret, "app2", text));
}

TEST(IdentityCarrier, RefusesEveryAlteredCharacter) {
    std::string text = seal(someone());
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string changed = text;
        changed[i] = changed[i] == '1' ? '2' : '1';
        EXPECT_FALSE(open_carrier(kSecret, "app", changed)) << i;
    }
    EXPECT_FALSE(open_carrier(kSecret, "app", text.substr(0, text.size() - 2)));
    EXPECT_FALSE(open_carrier(kSecret, "app", text + "00"));
    EXPECT_FALSE(open_carrier(kSecret, "app", ""));
    EXPECT_FALSE(open_carrier(kSecret, "app", "ca2.1.1.1.1.1.r.n...."));
}

TEST(IdentityCarrier, AUserIsCarriedOnlyWithItsStatus) {
    CarriedIdentity none = someone();
    none.status = CarriedStatus::kNone;
    auto opened = open_carrier(kSecret, "app", seal(none));
    ASSERT_TRUE(opened);
    for (std::uint8_t b : opened->user.bytes)
        EXPECT_EQ(b, 0);
}

TEST(IdentityCarrier, LimitsAreKept) {
    CarriedIdentity big = someone();
    big.claims.assign(kMaxCarriedClaims, 'x');
    EXPECT_TRUE(open_carrier(kSecret, "app", seal(big)));
    big.claims.push_back('x');
    EXPECT_EQ(seal(big), "");
    CarriedIdentity crowded = someone();
    crowded.sessions.assign(kMaxCarriedSessions, 7);
    EXPECT_TRUE(open_carrier(kSecret, "app", seal(crowded)));
    crowded.sessions.push_back(7);
    EXPECT_EQ(seal(crowded), "");
    CarriedIdentity bad_link = someone();
    bad_link.link = "xyz";
    EXPECT_EQ(seal(bad_link), "");
}

TEST(IdentityCarrier, FreshOnlyWithinItsLifetime) {
    EXPECT_TRUE(carrier_fresh(1000, 1000));
    EXPECT_TRUE(carrier_fresh(0, kCarrierLifetime));
    EXPECT_FALSE(carrier_fresh(0, kCarrierLifetime + 1));
    EXPECT_FALSE(carrier_fresh(kCarrierLifetime + 1, 0));
}

TEST(SessionTag, TextRoundTrips) {
    EXPECT_EQ(session_tag_text(0x1122334455667788ULL), "1122334455667788");
    EXPECT_EQ(parse_session_tag("1122334455667788"), 0x1122334455667788ULL);
    EXPECT_EQ(parse_session_tag("00000000000000ff"), 0xffULL);
    EXPECT_FALSE(parse_session_tag("0000000000000000"));
    EXPECT_FALSE(parse_session_tag("112233445566778"));
    EXPECT_FALSE(parse_session_tag("11223344556677889"));
    EXPECT_FALSE(parse_session_tag("112233445566778G"));
    EXPECT_FALSE(parse_session_tag("112233445566778A"));
}

TEST(LinkKey, OnlyThirtyTwoLowercaseHexDigits) {
    EXPECT_TRUE(is_link_key(kLinkKey));
    EXPECT_FALSE(is_link_key(kLinkKey + "0"));
    EXPECT_FALSE(is_link_key(kLinkKey.substr(1)));
    EXPECT_FALSE(is_link_key("0011223344556677889 aabbccddeeff"));
    EXPECT_FALSE(is_link_key("00112233445566778899AABBCCDDEEFF"));
    EXPECT_EQ(link_fingerprint(kSecret, "not a key"), "");
}

TEST(LinkKey, TheFingerprintDependsOnKeyAndSecretAndHidesTheKey) {
    std::string fingerprint = link_fingerprint(kSecret, kLinkKey);
    EXPECT_EQ(fingerprint.size(), 32u);
    EXPECT_NE(fingerprint, kLinkKey);
    EXPECT_EQ(fingerprint, link_fingerprint(kSecret, kLinkKey));
    EXPECT_NE(fingerprint, link_fingerprint(kSecret + "x", kLinkKey));
    EXPECT_NE(fingerprint, link_fingerprint(kSecret, "f0112233445566778899aabbccddeeff"));
}

TEST(JudgeCarrier, BelievedOnTheConnectionsItNames) {
    CarriedIdentity carrier = someone();
    NodeBackend backend = named_backend();
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kAccepted);
    backend.session = 0xfedcba9876543210ULL;  // its second connection
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kAccepted);
    backend.session = 0x1122334455667789ULL;  // any other connection
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kOtherConnection);
    backend.session = 0;  // a backend without a tag names nothing
    carrier.sessions.push_back(0);
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kOtherConnection);
    // A connection opened later in the transaction, with the link key's fingerprint.
    backend.link = carrier.link;
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kAccepted);
    std::string other = link_fingerprint(kSecret, "f0112233445566778899aabbccddeeff");
    backend.link = other;
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kOtherConnection);
    // A carrier without a link names no later connection, whatever the connection brought.
    carrier.link.clear();
    backend.link = "";
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kOtherConnection);
}

TEST(JudgeCarrier, OnlyInItsTransactionForItsRoleWhileFresh) {
    CarriedIdentity carrier = someone();
    NodeBackend backend = named_backend();
    backend.transaction.reset();
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead),
              CarrierVerdict::kOtherTransaction);
    for (DistributedTransaction other :
         {DistributedTransaction{4, 42, -86400000000}, DistributedTransaction{3, 43, -86400000000},
          DistributedTransaction{3, 42, -86400000001}}) {
        backend.transaction = other;
        EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead),
                  CarrierVerdict::kOtherTransaction);
    }
    backend = named_backend();
    backend.session_role = "portal2";
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kOtherRole);
    backend = named_backend();
    backend.now = carrier.sealed_at + kCarrierLifetime + 1;
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kExpired);
    backend.now = carrier.sealed_at - kCarrierLifetime - 1;
    EXPECT_EQ(judge_carrier(carrier, backend, CarrierUse::kRead), CarrierVerdict::kExpired);
}

TEST(JudgeCarrier, ChangesOnlyForTheirPurposeOnANamedSession) {
    struct Case {
        CarrierPurpose purpose;
        bool by_session;
        CarrierUse use;
        bool allowed;
    };
    const Case cases[] = {
        {CarrierPurpose::kRead, true, CarrierUse::kRead, true},
        {CarrierPurpose::kRead, true, CarrierUse::kInsertRows, false},
        {CarrierPurpose::kRead, true, CarrierUse::kChangeRows, false},
        {CarrierPurpose::kRead, true, CarrierUse::kTruncate, false},
        {CarrierPurpose::kChange, true, CarrierUse::kInsertRows, true},
        {CarrierPurpose::kChange, true, CarrierUse::kChangeRows, true},
        {CarrierPurpose::kChange, true, CarrierUse::kTruncate, false},
        {CarrierPurpose::kChange, false, CarrierUse::kRead, true},
        {CarrierPurpose::kChange, false, CarrierUse::kInsertRows, false},
        {CarrierPurpose::kChange, false, CarrierUse::kChangeRows, false},
        {CarrierPurpose::kTruncate, true, CarrierUse::kTruncate, true},
        {CarrierPurpose::kTruncate, true, CarrierUse::kChangeRows, false},
        {CarrierPurpose::kTruncate, false, CarrierUse::kTruncate, false},
        {CarrierPurpose::kFill, true, CarrierUse::kInsertRows, true},
        {CarrierPurpose::kFill, false, CarrierUse::kInsertRows, true},
        {CarrierPurpose::kFill, true, CarrierUse::kChangeRows, false},
        {CarrierPurpose::kFill, true, CarrierUse::kTruncate, false},
    };
    for (const Case &c : cases) {
        CarriedIdentity carrier = someone();
        carrier.purpose = c.purpose;
        NodeBackend backend = named_backend();
        if (!c.by_session) {
            backend.session = 42;
            backend.link = carrier.link;
        }
        EXPECT_EQ(judge_carrier(carrier, backend, c.use),
                  c.allowed ? CarrierVerdict::kAccepted : CarrierVerdict::kNotThisChange)
            << static_cast<char>(c.purpose) << c.by_session << static_cast<int>(c.use);
    }
}

TEST(CopyProof, RoundTripsAndAdmitsOnlyItsShardAndGroupWhileFresh) {
    CopyProof proof{102008, 3, 5000000};
    std::string text = seal_copy_proof(kSecret, "app", proof, kNonce);
    ASSERT_EQ(text.rfind("cp1.", 0), 0u);
    auto opened = open_copy_proof(kSecret, "app", text);
    ASSERT_TRUE(opened);
    EXPECT_TRUE(copy_proof_admits(*opened, 102008, 3, 5000000 + kCarrierLifetime));
    EXPECT_FALSE(copy_proof_admits(*opened, 102009, 3, 5000000));
    EXPECT_FALSE(copy_proof_admits(*opened, 102008, 2, 5000000));
    EXPECT_FALSE(copy_proof_admits(*opened, 102008, 3, 5000000 + kCarrierLifetime + 1));
    EXPECT_FALSE(open_copy_proof(kSecret, "app2", text));
    EXPECT_FALSE(open_copy_proof(kSecret + "x", "app", text));
    // One kind of message never passes for the other.
    EXPECT_FALSE(open_carrier(kSecret, "app", text));
    EXPECT_FALSE(open_copy_proof(kSecret, "app", seal(someone())));
}

TEST(ResultPass, RoundTripsAndIsNoOtherKindOfMessage) {
    ResultPass pass{{2, 77, -5}, "portal", 9000000};
    std::string text = seal_result_pass(kSecret, "app", pass, kNonce);
    ASSERT_EQ(text.rfind("rp1.", 0), 0u);
    auto opened = open_result_pass(kSecret, "app", text);
    ASSERT_TRUE(opened);
    EXPECT_TRUE(same_transaction(opened->transaction, pass.transaction));
    EXPECT_EQ(opened->role, "portal");
    EXPECT_EQ(opened->sealed_at, 9000000);
    EXPECT_FALSE(open_result_pass(kSecret, "app2", text));
    EXPECT_FALSE(open_result_pass(kSecret + "x", "app", text));
    EXPECT_FALSE(open_copy_proof(kSecret, "app", text));
    EXPECT_FALSE(open_carrier(kSecret, "app", text));
    EXPECT_FALSE(open_result_pass(kSecret, "app", seal(someone())));
    EXPECT_FALSE(
        open_result_pass(kSecret, "app", seal_copy_proof(kSecret, "app", {1, 2, 3}, kNonce)));
}

TEST(IntermediateResults, OnlyTheOriginatorOrAnAdmittedConnectionTouchesThem) {
    const DistributedTransaction mine{0, 41, 1000};
    const ResultPass pass{mine, "portal", 5000000};
    ResultsAccess base{mine, false, false, std::nullopt, "portal", 5000000};
    // Another backend of the same role that took the transaction's id: nothing admits it.
    EXPECT_FALSE(may_use_intermediate_results(base));
    // No distributed transaction: the files are the backend's own.
    ResultsAccess none = base;
    none.transaction = std::nullopt;
    EXPECT_TRUE(may_use_intermediate_results(none));
    ResultsAccess originator = base;
    originator.originator = true;
    EXPECT_TRUE(may_use_intermediate_results(originator));
    ResultsAccess carried = base;
    carried.carrier_accepted = true;
    EXPECT_TRUE(may_use_intermediate_results(carried));
    ResultsAccess passed = base;
    passed.pass = pass;
    EXPECT_TRUE(may_use_intermediate_results(passed));
    passed.now = 5000000 + kCarrierLifetime;
    EXPECT_TRUE(may_use_intermediate_results(passed));
    passed.now = 5000000 + kCarrierLifetime + 1;
    EXPECT_FALSE(may_use_intermediate_results(passed));
    passed.now = 5000000;
    for (DistributedTransaction other :
         {DistributedTransaction{1, 41, 1000}, DistributedTransaction{0, 42, 1000},
          DistributedTransaction{0, 41, 1001}}) {
        passed.transaction = other;
        EXPECT_FALSE(may_use_intermediate_results(passed))
            << other.initiator << ' ' << other.number << ' ' << other.started;
    }
    passed.transaction = mine;
    passed.session_role = "other";
    EXPECT_FALSE(may_use_intermediate_results(passed));
}
