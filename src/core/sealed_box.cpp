#include "sealed_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

namespace customer_access {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kTagBytes = 16;

struct CipherFree {
    void operator()(EVP_CIPHER_CTX *ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

void append_hex(std::string &out, const unsigned char *bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 15]);
    }
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// Lowercase hex into bytes; false for anything else.
bool decode_hex(std::string_view text, std::string &out) {
    if (text.size() % 2 != 0)
        return false;
    out.assign(text.size() / 2, '\0');
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int high = hex_value(text[i]), low = hex_value(text[i + 1]);
        if (high < 0 || low < 0)
            return false;
        out[i / 2] = static_cast<char>(high * 16 + low);
    }
    return true;
}

bool hmac(std::string_view key, std::string_view message, unsigned char (&out)[32]) {
    unsigned int length = 0;
    return HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                reinterpret_cast<const unsigned char *>(message.data()), message.size(), out,
                &length) != nullptr &&
           length == sizeof out;
}

// One key per label: HMAC-SHA256(secret, "customer_access " + label).
bool derive_key(std::string_view secret, std::string_view label, unsigned char (&key)[32]) {
    std::string message("customer_access ");
    message += label;
    return hmac(secret, message, key);
}

std::string associated_data(std::string_view kind, std::string_view database) {
    std::string aad(kind);
    aad += '\0';
    aad += database;
    return aad;
}

}  // namespace

std::string seal_box(std::string_view secret, std::string_view kind, std::string_view database,
                     const BoxNonce &nonce, std::string_view plaintext) noexcept {
    try {
        unsigned char key[32];
        if (!derive_key(secret, kind, key))
            return {};
        Cipher ctx(EVP_CIPHER_CTX_new());
        std::string aad = associated_data(kind, database);
        std::string sealed(plaintext.size(), '\0');
        unsigned char tag[kTagBytes];
        int length = 0, final_length = 0;
        auto *out = reinterpret_cast<unsigned char *>(sealed.data());
        if (!ctx ||
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce.data()) != 1 ||
            EVP_EncryptUpdate(ctx.get(), nullptr, &length,
                              reinterpret_cast<const unsigned char *>(aad.data()),
                              static_cast<int>(aad.size())) != 1 ||
            EVP_EncryptUpdate(ctx.get(), out, &length,
                              reinterpret_cast<const unsigned char *>(plaintext.data()),
                              static_cast<int>(plaintext.size())) != 1 ||
            EVP_EncryptFinal_ex(ctx.get(), out + length, &final_length) != 1 ||
            static_cast<std::size_t>(length + final_length) != plaintext.size() ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1)
            return {};
        std::string text(kind);
        text += '.';
        append_hex(text, nonce.data(), nonce.size());
        text += '.';
        append_hex(text, out, sealed.size());
        text += '.';
        append_hex(text, tag, sizeof tag);
        return text;
    } catch (...) {
        return {};
    }
}

std::optional<std::string> open_box(std::string_view secret, std::string_view kind,
                                    std::string_view database, std::string_view text,
                                    std::size_t max_plaintext) noexcept {
    try {
        // kind . nonce(24) . ciphertext(2n) . tag(32)
        if (text.size() < kind.size() + 1 || text.substr(0, kind.size()) != kind ||
            text[kind.size()] != '.' ||
            text.size() > kind.size() + 3 + 2 * (BoxNonce().size() + max_plaintext + kTagBytes))
            return std::nullopt;
        std::string_view rest = text.substr(kind.size() + 1);
        std::size_t first = rest.find('.'), last = rest.rfind('.');
        if (first == std::string_view::npos || first == last)
            return std::nullopt;
        std::string nonce, sealed, tag;
        if (!decode_hex(rest.substr(0, first), nonce) || nonce.size() != BoxNonce().size() ||
            !decode_hex(rest.substr(first + 1, last - first - 1), sealed) ||
            !decode_hex(rest.substr(last + 1), tag) || tag.size() != kTagBytes ||
            sealed.size() > max_plaintext)
            return std::nullopt;
        unsigned char key[32];
        if (!derive_key(secret, kind, key))
            return std::nullopt;
        Cipher ctx(EVP_CIPHER_CTX_new());
        std::string aad = associated_data(kind, database);
        std::string plain(sealed.size(), '\0');
        int length = 0, final_length = 0;
        auto *out = reinterpret_cast<unsigned char *>(plain.data());
        if (!ctx ||
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key,
                               reinterpret_cast<const unsigned char *>(nonce.data())) != 1 ||
            EVP_DecryptUpdate(ctx.get(), nullptr, &length,
                              reinterpret_cast<const unsigned char *>(aad.data()),
                              static_cast<int>(aad.size())) != 1 ||
            EVP_DecryptUpdate(ctx.get(), out, &length,
                              reinterpret_cast<const unsigned char *>(sealed.data()),
                              static_cast<int>(sealed.size())) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
            EVP_DecryptFinal_ex(ctx.get(), out + length, &final_length) != 1 ||
            static_cast<std::size_t>(length + final_length) != plain.size())
            return std::nullopt;
        return plain;
    } catch (...) {
        return std::nullopt;
    }
}

std::string keyed_digest(std::string_view secret, std::string_view label, std::string_view message,
                         std::size_t bytes) noexcept {
    try {
        unsigned char key[32], digest[32];
        if (bytes > sizeof digest || !derive_key(secret, label, key) ||
            !hmac(std::string_view(reinterpret_cast<const char *>(key), sizeof key), message,
                  digest))
            return {};
        std::string out;
        append_hex(out, digest, bytes);
        return out;
    } catch (...) {
        return {};
    }
}

}  // namespace customer_access
