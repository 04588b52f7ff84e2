package io.sheratan.tlog;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code c2sp.org/tlog-cosignature} (cosignature/v1, Ed25519) against the spec's own example and a
 * witness key of the public witness network (from transparency-dev/formats' tests): the same signed
 * message byte for byte, the same key ID, the same timestamp read from the spec's signature line.
 */
class CosignatureTest {

    /** The checkpoint of C2SP's example, and the cosignature line the spec shows for it. */
    private static final String SPEC_CHECKPOINT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    private static final String SPEC_COSIGNATURE = "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";

    @Test
    void signedMessageIsTheSpecsByteForByte() {
        String expected = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assertThat(new String(Cosignature.message(SPEC_CHECKPOINT, 1679315147L), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @Test
    void theSpecsSignatureLineCarriesItsTimestamp() throws Exception {
        Note note = Note.parse(SPEC_CHECKPOINT + "\n" + SPEC_COSIGNATURE + "\n");
        Note.Signature line = note.signatures().get(0);
        assertThat(line.signature()).hasSize(8 + 64); // key ID (4) read apart; then u64 time and the signature
        assertThat(ByteBuffer.wrap(line.signature()).getLong()).isEqualTo(1679315147L);
    }

    @Test
    void parsesAWitnessKeyOfThePublicNetworkAndRefusesALogKeyInItsPlace() throws Exception {
        NoteKeys.Verifier remora = Cosignature.parseVerifier("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
        assertThat(remora.alg()).isEqualTo(Cosignature.ALG);
        assertThat(remora.encoded()).isEqualTo("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
        assertThatThrownBy(() -> NoteKeys.parseVerifier(remora.encoded())).isInstanceOf(NoteException.class).hasMessageContaining("witness key");
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        assertThatThrownBy(() -> Cosignature.parseVerifier(log.verifier().encoded())).isInstanceOf(NoteException.class)
                .hasMessageContaining("it is a log key");
        // the same name and key under the other type byte: another key ID, as C2SP requires
        byte[] typed = concat(new byte[]{Cosignature.ALG}, log.verifier().raw());
        String sameIdOtherType = "example.com/log+" + String.format("%08x", log.keyId()) + "+" + Base64.getEncoder().encodeToString(typed);
        assertThatThrownBy(() -> Cosignature.parseVerifier(sameIdOtherType))
                .isInstanceOf(NoteException.class).hasMessageContaining("does not match");
    }

    @Test
    void aCosignatureVerifiesUnderItsWitnessOnlyAndOnlyForTheTextItSigned() throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        NoteKeys.Signer witness = NoteKeys.fromSeed("witness.example/w1", seed(1), Cosignature.ALG);
        NoteKeys.Signer other = NoteKeys.fromSeed("witness.example/w2", seed(2), Cosignature.ALG);
        String checkpoint = new Checkpoint("example.com/log", 5, new byte[32]).text();
        String note = Note.sign(checkpoint, log) + Cosignature.sign(witness, checkpoint, 1_700_000_000L);
        Note parsed = Note.parse(note);
        assertThat(Cosignature.verify(parsed, witness.verifier())).isEqualTo(1_700_000_000L);
        assertThat(Cosignature.verify(parsed, other.verifier())).isEqualTo(-1);
        assertThat(Note.openCheckpoint(note, log.verifier()).size()).isEqualTo(5); // the log's own signature still opens it
        assertThat(Cosignature.requireCosigners(parsed, List.of(witness.verifier(), other.verifier()), 1)).isEqualTo(1);
        assertThatThrownBy(() -> Cosignature.requireCosigners(parsed, List.of(witness.verifier(), other.verifier()), 2))
                .isInstanceOf(NoteException.class).hasMessageContaining("missing: witness.example/w2");
        // another size under the same cosignature line: refused
        String moved = note.replace("\n5\n", "\n6\n");
        assertThat(Cosignature.verify(Note.parse(moved), witness.verifier())).isEqualTo(-1);
        // a changed timestamp: refused (the time is signed)
        String line = Cosignature.sign(witness, checkpoint, 1_700_000_000L);
        byte[] blob = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1).strip());
        blob[11]++;
        String forged = Note.sign(checkpoint, log) + "\u2014 witness.example/w1 " + Base64.getEncoder().encodeToString(blob) + "\n";
        assertThat(Cosignature.verify(Note.parse(forged), witness.verifier())).isEqualTo(-1);
        // a log key cannot cosign, and a witness's line is no log signature
        assertThatThrownBy(() -> Cosignature.sign(log, checkpoint, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Cosignature.verify(parsed, log.verifier())).isEqualTo(-1);
    }

    @Test
    void aWitnessCountsOnceAndAnAlteredLineOfItsKeyCountsAsNone() throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        NoteKeys.Signer witness = NoteKeys.fromSeed("witness.example/w1", seed(1), Cosignature.ALG);
        String checkpoint = new Checkpoint("example.com/log", 5, new byte[32]).text();
        String line = Cosignature.sign(witness, checkpoint, 1_700_000_000L);
        Note note = Note.parse(Note.sign(checkpoint, log) + line);
        // the same key given twice, and under another name (cosignature/v1 does not sign the name): refused as a policy
        NoteKeys.Verifier alias = Cosignature.parseVerifier(aliasOf(witness.verifier(), "witness.example/alias"));
        assertThatThrownBy(() -> Cosignature.requireCosigners(note, List.of(witness.verifier(), witness.verifier()), 2))
                .isInstanceOf(NoteException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> Cosignature.requireCosigners(note, List.of(witness.verifier(), alias), 2))
                .isInstanceOf(NoteException.class).hasMessageContaining("given twice");
        assertThat(Cosignature.cosigners(note, List.of(witness.verifier(), witness.verifier()))).hasSize(1);
        // a second line of the witness's key that does not verify, beside a good one: the note was altered
        byte[] blob = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1).strip());
        blob[20] ^= 1;
        String altered = Note.sign(checkpoint, log) + line + "\u2014 witness.example/w1 " + Base64.getEncoder().encodeToString(blob) + "\n";
        assertThat(Cosignature.verify(Note.parse(altered), witness.verifier())).isEqualTo(-1);
    }

    private static String aliasOf(NoteKeys.Verifier key, String name) {
        int id = NoteKeys.keyId(name, Cosignature.ALG, key.raw());
        return name + "+" + String.format("%08x", id) + "+" + Base64.getEncoder().encodeToString(concat(new byte[]{Cosignature.ALG}, key.raw()));
    }

    @Test
    void sameSeedSameTimeSameLine() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("witness.example/w1", seed(7), Cosignature.ALG);
        String checkpoint = SPEC_CHECKPOINT;
        assertThat(Cosignature.sign(witness, checkpoint, 1679315147L)).isEqualTo(Cosignature.sign(witness, checkpoint, 1679315147L))
                .startsWith("\u2014 witness.example/w1 ").endsWith("\n");
        // the line's key ID is SHA-256(name || 0x0A || 0x04 || key)[:4]
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(concat("witness.example/w1\n".getBytes(StandardCharsets.UTF_8),
                new byte[]{0x04}, witness.verifier().raw()));
        assertThat(witness.keyId()).isEqualTo(ByteBuffer.wrap(sha).getInt());
    }

    private static byte[] seed(int b) {
        byte[] seed = new byte[32];
        java.util.Arrays.fill(seed, (byte) b);
        return seed;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
