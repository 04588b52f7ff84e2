package io.sheratan.integrity;

import io.sheratan.ed25519.Ed25519;

import io.sheratan.envelope.Claims;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.Submission;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The integrity rule of DESIGN.md sections 3, 3b and 3c as one pure function: a submission, a
 * policy, a keyring and the record's time in, a {@link Verdict} out. The verifier stream, the gateway
 * and {@code sheratan verify} all call this, so there is exactly one place where "does this mark
 * check out" is decided; and since nothing here reads a clock, reprocessing gives the same verdicts.
 *
 * <p>The order of checks: the version (below the minimum: {@code unsupported_version}), the mode (no
 * downgrade: weaker than the policy is {@code unsupported_mode}), a present sha256 (a stale hash
 * means the content changed: {@code sha_mismatch}), the key (unknown, outside its window, bound to
 * other nodes), the signature, and last the version 2 claims: audience, then freshness against the
 * record's time. Claims are judged after the signature, so a rejection for them is about a result
 * whose origin is proven.
 */
public final class IntegrityVerifier {

    private IntegrityVerifier() {
    }

    /** Under the single-key settings of {@code policy}, at the current time (offline checks). */
    public static Verdict verify(Submission submission, IntegrityPolicy policy) {
        return verify(submission, policy, policy.legacyKeyring(), System.currentTimeMillis());
    }

    /**
     * @param recordTime the record's time {@code t} (DESIGN 3b.6): the broker's append time for the
     *                   verifier, the receipt time for the gateway
     */
    public static Verdict verify(Submission submission, IntegrityPolicy policy, Keyring keyring, long recordTime) {
        IntegrityMark mark = submission.mark();
        if (mark == null || mark.isEmpty()) {
            if (policy.required()) {
                return Verdict.rejected(Reason.MISSING_INTEGRITY, null, null);
            }
            return new Verdict(Verdict.Outcome.ACCEPTED_UNMARKED, Reason.MISSING_INTEGRITY, null, null);
        }
        int version = mark.canonicalVersion();
        if (version != 1 && version != 2 || version < policy.minVersion() || version != submission.coreVersion()) {
            return Verdict.rejected(Reason.UNSUPPORTED_VERSION, mark.mode(), mark.keyId());
        }
        String declared = mark.mode() != null ? mark.mode() : policy.mode().code();
        Optional<Mode> parsed = Mode.parse(declared);
        if (parsed.isEmpty() || (parsed.get() == Mode.ED25519 && version == 1)) {
            return Verdict.rejected(Reason.UNSUPPORTED_MODE, null, mark.keyId());
        }
        Mode mode = parsed.get();
        if (mode.compareTo(policy.mode()) < 0) {
            return Verdict.rejected(Reason.UNSUPPORTED_MODE, mode.code(), mark.keyId());
        }
        if (mark.sha256() != null && !Marks.constantTimeEquals(submission.coreSha256(), mark.sha256())) {
            return Verdict.rejected(Reason.SHA_MISMATCH, mode.code(), mark.keyId());
        }
        if (mode == Mode.SHA256) {
            if (mark.sha256() == null) {
                return Verdict.rejected(Reason.SHA_MISMATCH, mode.code(), mark.keyId());
            }
            return claims(submission, policy, recordTime, Verdict.verified(mode.code(), mark.keyId()));
        }
        Verdict signature = version == 1 ? signatureV1(submission, mark, keyring, recordTime)
                : signatureV2(submission, mark, mode, keyring, recordTime);
        return signature.accepted() ? claims(submission, policy, recordTime, signature) : signature;
    }

    /** A version 1 hmac mark: its named key, or (without key_id) every hmac key valid at {@code t}. */
    private static Verdict signatureV1(Submission s, IntegrityMark mark, Keyring keyring, long t) {
        String mode = Mode.HMAC.code();
        Optional<Keyring.Key> named = keyring.key(mark.keyId());
        List<Keyring.Key> candidates;
        if (mark.keyId() != null && named.isPresent()) {
            Verdict refused = keyRefused(named.get(), Mode.HMAC, null, t, mark);
            if (refused != null) {
                return refused;
            }
            candidates = List.of(named.get());
        } else if (mark.keyId() != null && !keyring.acceptsAnyKeyIdForV1()) {
            return Verdict.rejected(Reason.UNKNOWN_KEY, mode, mark.keyId());
        } else {
            candidates = new ArrayList<>();
            for (Keyring.Key key : keyring.hmacKeysValidAt(t)) {
                if (key.nodes() == null) {
                    candidates.add(key);
                }
            }
            if (candidates.isEmpty()) {
                return Verdict.rejected(Reason.UNKNOWN_KEY, mode, mark.keyId());
            }
        }
        if (!isLowerHex(mark.sig(), HMAC_SIG_HEX)) {
            return Verdict.rejected(Reason.SIG_MISMATCH, mode, mark.keyId()); // no HMAC computed for a sig that cannot match
        }
        for (Keyring.Key key : candidates) {
            if (Marks.hmacMatches(key.secret(), null, s, mark.sig())) {
                return Verdict.verified(mode, mark.keyId() != null ? mark.keyId() : key.keyId());
            }
        }
        return Verdict.rejected(Reason.SIG_MISMATCH, mode, mark.keyId());
    }

    /** A version 2 hmac or ed25519 mark: over the DSSE encoding, with the key it names. */
    private static Verdict signatureV2(Submission s, IntegrityMark mark, Mode mode, Keyring keyring, long t) {
        Optional<Keyring.Key> found = keyring.key(mark.keyId());
        if (found.isEmpty() || found.get().alg().mode() != mode) {
            return Verdict.rejected(Reason.UNKNOWN_KEY, mode.code(), mark.keyId());
        }
        Keyring.Key key = found.get();
        Verdict refused = keyRefused(key, mode, s.claims().nodeId(), t, mark);
        if (refused != null) {
            return refused;
        }
        if (mode == Mode.HMAC ? !isLowerHex(mark.sig(), HMAC_SIG_HEX) : !isHex(mark.sig(), 2 * Ed25519.SIGNATURE_LENGTH)) {
            return Verdict.rejected(Reason.SIG_MISMATCH, mode.code(), key.keyId()); // checked before any HMAC or curve work
        }
        boolean valid;
        if (mode == Mode.HMAC) {
            valid = Marks.hmacMatches(key.secret(), Pae.header(s.coreLength()), s, mark.sig());
        } else {
            byte[] pae = Pae.encode(s); // libsodium takes one array
            byte[] sig = hexOrNull(mark.sig());
            valid = sig != null && Ed25519.verify(key.publicKey(), pae, sig);
        }
        return valid ? Verdict.verified(mode.code(), key.keyId()) : Verdict.rejected(Reason.SIG_MISMATCH, mode.code(), key.keyId());
    }

    /** Why {@code key} may not verify this mark, or null when it may. */
    private static Verdict keyRefused(Keyring.Key key, Mode mode, String nodeId, long t, IntegrityMark mark) {
        if (key.alg().mode() != mode) {
            return Verdict.rejected(Reason.UNKNOWN_KEY, mode.code(), mark.keyId());
        }
        if (!key.validAt(t)) {
            return Verdict.rejected(Reason.KEY_NOT_VALID, mode.code(), key.keyId());
        }
        if (!key.allowsNode(nodeId)) {
            return Verdict.rejected(Reason.NODE_MISMATCH, mode.code(), key.keyId());
        }
        return null;
    }

    /** Version 2 claims: the audience, then freshness against the record's time. */
    private static Verdict claims(Submission s, IntegrityPolicy policy, long t, Verdict signed) {
        Claims claims = s.claims();
        if (claims == null) {
            return signed;
        }
        if (!claims.aud().equals(policy.pipelineId())) {
            return Verdict.rejected(Reason.WRONG_AUDIENCE, signed.mode(), signed.keyId());
        }
        if (claims.issuedAt() < t - policy.maxAge().toMillis()) {
            return Verdict.rejected(Reason.STALE, signed.mode(), signed.keyId());
        }
        if (claims.issuedAt() > t + policy.maxSkew().toMillis()) {
            return Verdict.rejected(Reason.FUTURE_DATED, signed.mode(), signed.keyId());
        }
        return signed;
    }

    /** Hex digits of an HMAC-SHA256. */
    private static final int HMAC_SIG_HEX = 64;

    /**
     * {@code sig} has the one form a valid signature of its mode can have: exactly {@code length}
     * lowercase hex digits. Checked before any key is used, so a missing or misshapen {@code sig}
     * costs no HMAC and no Ed25519 verification; the verdict is the same as without the check.
     */
    static boolean isLowerHex(String sig, int length) {
        return hex(sig, length, false);
    }

    /**
     * An Ed25519 {@code sig}: 128 hex digits of either case (the signature's bytes are what is checked,
     * and upper-case hex always verified: the pre-check changes no verdict).
     */
    static boolean isHex(String sig, int length) {
        return hex(sig, length, true);
    }

    private static boolean hex(String sig, int length, boolean upperToo) {
        if (sig == null || sig.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = sig.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || upperToo && c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    private static byte[] hexOrNull(String hex) {
        if (hex == null || hex.length() != 2 * Ed25519.SIGNATURE_LENGTH) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A fresh version 1 mark for {@code core} under the policy's mode: sha256 always, sig and key_id for hmac. */
    public static IntegrityMark sign(byte[] core, IntegrityPolicy policy) {
        return sign(core, Marks.sha256Hex(core), policy);
    }

    /** As {@link #sign(byte[], IntegrityPolicy)} when the core's SHA-256 is already known (a {@code Submission} has it). */
    public static IntegrityMark sign(byte[] core, String sha256, IntegrityPolicy policy) {
        if (policy.mode() == Mode.SHA256) {
            return new IntegrityMark(Mode.SHA256.code(), sha256, null, null);
        }
        if (policy.mode() != Mode.HMAC || !policy.hasKey()) {
            throw new IllegalStateException("the policy's single key can sign sha256 and hmac version 1 marks; "
                    + policy.mode().code() + " needs a Signer");
        }
        return new IntegrityMark(Mode.HMAC.code(), sha256, Marks.hmacHex(policy.hmacKey(), core), policy.keyId());
    }
}
