// The expiry rule (1.3): a grant counts only while the transaction's start, now(), is before
// its expires_at. A statement, and a whole transaction, sees one now(), so every answer in it
// agrees about which grants are in force.
#pragma once

#include <cstdint>
#include <limits>

namespace customer_access {

// Points in time as PostgreSQL's timestamptz counts them: microseconds since 2000-01-01 UTC,
// the extremes standing for -infinity and infinity.
using Timestamp = std::int64_t;
inline constexpr Timestamp kMinusInfinityTime = std::numeric_limits<Timestamp>::min();
// A grant without expires_at (NULL), or with expires_at 'infinity': it never expires.
inline constexpr Timestamp kNeverExpires = std::numeric_limits<Timestamp>::max();

// Whether a grant that expires at expires_at still counts at now (now is never infinite).
inline constexpr bool in_force(Timestamp expires_at, Timestamp now) {
    return now < expires_at;
}

// Whether changing an expiry from `from` to `to` ends the grant sooner (used to protect
// Owners, and to keep a giver from handing out a grant that outlives their own).
inline constexpr bool expiry_shortens(Timestamp from, Timestamp to) {
    return to < from;
}

// The span of time over which a set of grants keeps the same ones in force, folded over the
// grants as they are read at `now`: from the latest expiry at or before now (a grant expiring
// exactly at now is out already) up to the earliest expiry after it. Every other now inside
// the span sees exactly the same grants in force, so an answer counted at one holds at the
// other (the planner's estimates are reused so).
class InForceSpan {
  public:
    constexpr void add(Timestamp expires_at, Timestamp now) {
        if (!in_force(expires_at, now)) {
            if (expires_at > from_)
                from_ = expires_at;
        } else if (expires_at < until_) {
            until_ = expires_at;
        }
    }
    // Whether `other` sees in force exactly the grants now does.
    constexpr bool covers(Timestamp other) const { return from_ <= other && other < until_; }

  private:
    Timestamp from_ = kMinusInfinityTime;  // the latest expiry of a grant that is out
    Timestamp until_ = kNeverExpires;      // the earliest expiry of a grant in force
};

}  // namespace customer_access
