package io.sheratan.tlog;

import io.sheratan.ed25519.Ed25519;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code c2sp.org/tlog-cosignature}, the Ed25519 type: a witness's statement that, as of its
 * timestamp, the checkpoint is the largest consistent tree it has seen for the log. The signature
 * line is {@code — <witness name> base64(key ID || u64 timestamp || Ed25519 signature)} where the key
 * ID is the first four bytes of {@code SHA-256(name || 0x0A || 0x04 || public key)}, and the signed
 * message is
 * <pre>
 * cosignature/v1
 * time &lt;timestamp&gt;
 * &lt;the checkpoint's note text, final newline included&gt;
 * </pre>
 * Witness verifier keys are written as {@code <name>+<8 hex key ID>+<base64(0x04 || public key)>}.
 */
public final class Cosignature {

    /** The signature type byte of an Ed25519 cosignature (cosignature/v1). */
    public static final byte ALG = 0x04;
    /** key ID, timestamp, signature. */
    static final int BLOB_LENGTH = 4 + 8 + Ed25519.SIGNATURE_LENGTH;

    private Cosignature() {
    }

    /** A witness's verifier key, {@code name+keyid+base64(0x04 || key)}; refused with a reason otherwise. */
    public static NoteKeys.Verifier parseVerifier(String encoded) throws NoteException {
        return NoteKeys.parseVerifier(encoded, ALG);
    }

    /** The message a cosignature at {@code time} (POSIX seconds) signs for a checkpoint's note text. */
    public static byte[] message(String checkpointText, long time) {
        return ("cosignature/v1\ntime " + time + "\n" + checkpointText).getBytes(StandardCharsets.UTF_8);
    }

    /** The signature line (with its newline) of {@code witness} over a checkpoint's note text at {@code time}. */
    public static String sign(NoteKeys.Signer witness, String checkpointText, long time) {
        if (witness.verifier().alg() != ALG) {
            throw new IllegalArgumentException("a cosignature needs a witness key (type 0x04), not a log key");
        }
        if (time < 0) {
            throw new IllegalArgumentException("a cosignature's time is a POSIX timestamp, not negative");
        }
        byte[] sig = witness.sign(message(checkpointText, time));
        byte[] blob = ByteBuffer.allocate(BLOB_LENGTH).putInt(witness.keyId()).putLong(time).put(sig).array();
        return Note.DASH + witness.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    /**
     * The timestamp of the cosignature by {@code witness} on {@code note}, or -1 when the note carries
     * none that verifies. Lines of other keys are ignored; as signed-note asks, a line with this
     * witness's name and key ID that does not verify counts as none, even beside one that does.
     */
    public static long verify(Note note, NoteKeys.Verifier witness) {
        if (witness.alg() != ALG) {
            return -1;
        }
        long verified = -1;
        for (Note.Signature s : note.signatures()) {
            if (!s.name().equals(witness.name()) || s.keyId() != witness.keyId()) {
                continue;
            }
            if (s.signature().length != BLOB_LENGTH - 4) {
                return -1;
            }
            ByteBuffer b = ByteBuffer.wrap(s.signature());
            long time = b.getLong();
            byte[] sig = new byte[Ed25519.SIGNATURE_LENGTH];
            b.get(sig);
            if (time < 0 || !Ed25519.verify(witness.key(), message(note.text(), time), sig)) {
                return -1;
            }
            verified = Math.max(verified, time);
        }
        return verified;
    }

    /**
     * The distinct witnesses among {@code witnesses} whose cosignature on the note verifies, in the
     * order given. A key given twice (by name, or the same public key under two names: cosignature/v1
     * does not sign the name) counts once.
     */
    public static List<NoteKeys.Verifier> cosigners(Note note, List<NoteKeys.Verifier> witnesses) {
        List<NoteKeys.Verifier> cosigned = new ArrayList<>();
        for (NoteKeys.Verifier witness : witnesses) {
            boolean seen = cosigned.stream().anyMatch(c -> c.name().equals(witness.name()) || java.util.Arrays.equals(c.raw(), witness.raw()));
            if (!seen && verify(note, witness) >= 0) {
                cosigned.add(witness);
            }
        }
        return cosigned;
    }

    /** Refuses a list of witness keys in which a name or a public key stands twice (a quorum would count it twice). */
    public static void requireDistinct(List<NoteKeys.Verifier> witnesses) throws NoteException {
        for (int i = 0; i < witnesses.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (witnesses.get(i).name().equals(witnesses.get(j).name())
                        || java.util.Arrays.equals(witnesses.get(i).raw(), witnesses.get(j).raw())) {
                    throw new NoteException("the witness " + witnesses.get(i).name() + " is given twice (same name or same public key): "
                            + "each witness counts once");
                }
            }
        }
    }

    /**
     * Checks a checkpoint note's cosignatures against a policy: at least {@code required} of
     * {@code witnesses} cosigned it; returns how many did, or says which are missing.
     */
    public static int requireCosigners(Note note, List<NoteKeys.Verifier> witnesses, int required) throws NoteException {
        requireDistinct(witnesses);
        List<NoteKeys.Verifier> cosigned = cosigners(note, witnesses);
        if (cosigned.size() < required) {
            List<String> missing = new ArrayList<>();
            for (NoteKeys.Verifier w : witnesses) {
                if (!cosigned.contains(w)) {
                    missing.add(w.name());
                }
            }
            throw new NoteException("the checkpoint carries " + cosigned.size() + " valid cosignature(s) of the " + witnesses.size()
                    + " witness(es) given, " + required + " required; missing: " + String.join(", ", missing));
        }
        return cosigned.size();
    }
}
