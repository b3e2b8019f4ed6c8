#include "pg/boundary/compat.hpp"
#include "pg/citus/citus_link.hpp"

#include <cstdlib>
#include <cstring>

#include "pg/identity/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
}

namespace customer_access::pg {
namespace {

char *session_setting = nullptr;  // shown through show_session_tag()
char *link_setting = nullptr;
char *copy_proof_setting = nullptr;
char *result_pass_setting = nullptr;

SessionTag session_tag = 0;
int session_tag_pid = 0;  // the backend that drew it (the postmaster's copy is never used)

// The link key of the current transaction, if one was drawn.
LocalTransactionId link_in = InvalidLocalTransactionId;
char link_fingerprint_text[33] = "";

// The fingerprint of the link key the connection brought.
bool connection_fingerprint_known = false;
char connection_fingerprint[33] = "";

char *proof_in_options = nullptr;  // TopMemoryContext
char *pass_in_options = nullptr;   // TopMemoryContext
bool link_in_options = false;
char link_key_text[33] = "";

bool is_blank(const char *value) {
    return value == nullptr || value[0] == '\0';
}

// The fingerprint of a link key into out (33 bytes); false when it could not be made. The
// C++ value lives only in this frame.
bool fingerprint_into(const char *key, char *out) noexcept {
    try {
        std::string fingerprint = link_fingerprint(cluster_secret(), key);
        if (fingerprint.size() != 32)
            return false;
        memcpy(out, fingerprint.c_str(), 33);
        return true;
    } catch (...) {
        return false;
    }
}

const char *show_session_tag() {
    static char text[17];
    std::string tag = session_tag_text(own_session_tag());
    memcpy(text, tag.c_str(), sizeof text);
    return text;
}

const char *show_hidden() {
    return "";
}

// A value only from the connection's startup packet: what the connecting backend sent.
bool from_startup_packet(const char *name, const char *value, GucSource source) {
    if (is_blank(value) || source == PGC_S_CLIENT)
        return true;
    GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
    GUC_check_errmsg("%s is set by customer_access only", name);
    return false;
}

bool check_link(char **newval, void **, GucSource source) {
    if (!from_startup_packet("customer_access.link", *newval, source))
        return false;
    if (!is_blank(*newval) && !is_link_key(*newval)) {
        GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
        GUC_check_errmsg("customer_access.link is not a link key");
        return false;
    }
    return true;
}

void assign_link(const char *, void *) {
    connection_fingerprint_known = false;
}

bool check_copy_proof(char **newval, void **, GucSource source) {
    return from_startup_packet("customer_access.copy_proof", *newval, source);
}

bool check_result_pass(char **newval, void **, GucSource source) {
    return from_startup_packet("customer_access.result_pass", *newval, source);
}

// Replaces a TopMemoryContext copy held in slot (nullptr: none).
void replace_copy(char *&slot, const char *value) {
    if (slot != nullptr) {
        pfree(slot);
        slot = nullptr;
    }
    if (value != nullptr)
        slot = MemoryContextStrdup(TopMemoryContext, value);
}

// PGOPTIONS as the postmaster gave it to this backend, captured before the first change.
const char *base_options() {
    static bool captured = false;
    static char *base = nullptr;
    if (!captured) {
        const char *given = getenv("PGOPTIONS");
        base = given != nullptr ? MemoryContextStrdup(TopMemoryContext, given) : nullptr;
        captured = true;
    }
    return base;
}

// Writes PGOPTIONS: the postmaster's, then this backend's link key, copy proof and result pass.
void write_options() {
    const char *base = base_options();
    if (!link_in_options && proof_in_options == nullptr && pass_in_options == nullptr) {
        if (base != nullptr)
            setenv("PGOPTIONS", base, 1);
        else
            unsetenv("PGOPTIONS");
        return;
    }
    char *options = psprintf("%s%s%s%s%s%s%s", base != nullptr ? base : "",
                             link_in_options ? " -c customer_access.link=" : "",
                             link_in_options ? link_key_text : "",
                             proof_in_options != nullptr ? " -c customer_access.copy_proof=" : "",
                             proof_in_options != nullptr ? proof_in_options : "",
                             pass_in_options != nullptr ? " -c customer_access.result_pass=" : "",
                             pass_in_options != nullptr ? pass_in_options : "");
    if (setenv("PGOPTIONS", options, 1) != 0)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
    pfree(options);
}

void forget_link(XactEvent event, void *) {
    if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE)
        return;
    bool changed = link_in_options || proof_in_options != nullptr || pass_in_options != nullptr;
    link_in = InvalidLocalTransactionId;
    link_in_options = false;
    explicit_bzero(link_key_text, sizeof link_key_text);
    link_fingerprint_text[0] = '\0';
    replace_copy(proof_in_options, nullptr);
    replace_copy(pass_in_options, nullptr);
    if (changed)
        write_options();
}

}  // namespace

void define_link_settings() {
    DefineCustomStringVariable(
        "customer_access.session", "This backend's session tag (Citus): reported to its client.",
        nullptr, &session_setting, "", PGC_INTERNAL,
        GUC_REPORT | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE, nullptr,
        nullptr, show_session_tag);
    DefineCustomStringVariable(
        "customer_access.link", "Internal: the link key the connecting Citus backend sent.",
        nullptr, &link_setting, "", PGC_BACKEND,
        GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
            GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
        check_link, assign_link, show_hidden);
    DefineCustomStringVariable(
        "customer_access.copy_proof", "Internal: the proof of a Citus shard copy.", nullptr,
        &copy_proof_setting, "", PGC_BACKEND,
        GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
            GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
        check_copy_proof, nullptr, show_hidden);
    DefineCustomStringVariable(
        "customer_access.result_pass",
        "Internal: the pass of a Citus connection that fetches intermediate results.", nullptr,
        &result_pass_setting, "", PGC_BACKEND,
        GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
            GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
        check_result_pass, nullptr, show_hidden);
}

SessionTag own_session_tag() {
    if (session_tag_pid != MyProcPid || session_tag == 0) {
        SessionTag tag = 0;
        while (tag == 0)
            if (!pg_strong_random(&tag, sizeof tag))
                ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                                errmsg("could not generate a random session tag")));
        session_tag = tag;
        session_tag_pid = MyProcPid;
    }
    return session_tag;
}

const char *connection_link_fingerprint() {
    if (!connection_fingerprint_known) {
        connection_fingerprint[0] = '\0';
        if (!is_blank(link_setting) && cluster_secret()[0] != '\0' &&
            !fingerprint_into(link_setting, connection_fingerprint))
            connection_fingerprint[0] = '\0';
        connection_fingerprint_known = true;
    }
    return connection_fingerprint;
}

const char *connection_copy_proof() {
    return copy_proof_setting != nullptr ? copy_proof_setting : "";
}

const char *connection_result_pass() {
    return result_pass_setting != nullptr ? result_pass_setting : "";
}

const char *transaction_link_fingerprint() {
    if (link_in != current_local_transaction() || !link_in_options) {
        unsigned char key[16];
        if (!pg_strong_random(key, sizeof key))
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg("could not generate a random link key")));
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 16; ++i) {
            link_key_text[2 * i] = hex[key[i] >> 4];
            link_key_text[2 * i + 1] = hex[key[i] & 15];
        }
        link_key_text[32] = '\0';
        explicit_bzero(key, sizeof key);
        if (!fingerprint_into(link_key_text, link_fingerprint_text))
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
        link_in_options = true;
        link_in = current_local_transaction();
        write_options();
    }
    return link_fingerprint_text;
}

void set_copy_proof_for_connections(const char *proof) {
    replace_copy(proof_in_options, proof);
    write_options();
}

void set_result_pass_for_connections(const char *pass) {
    replace_copy(pass_in_options, pass);
    write_options();
}

void install_link_callbacks() {
    RegisterXactCallback(forget_link, nullptr);
}

}  // namespace customer_access::pg
