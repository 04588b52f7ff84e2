package io.sheratan.witness;

import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The witness as C2SP tlog-witness specifies it, status code by status code, and the split view it
 * exists to catch: two trees under one log key and origin, of which it cosigns the first it sees and
 * refuses the other, also after a restart from its state file.
 */
class WitnessTest {

    @TempDir
    Path dir;
    private NoteKeys.Signer logKey;
    private NoteKeys.Signer witnessKey;
    private final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

    @BeforeEach
    void keys() throws Exception {
        logKey = NoteKeys.fromSeed("example.com/log", seed(1));
        witnessKey = NoteKeys.fromSeed("witness.example/w1", seed(2), Cosignature.ALG);
    }

    private Witness lastWitness;
    private WitnessState lastState;

    /** A witness over the state file in dir, as a restarted process would open it (the previous one's lock released). */
    private Witness witness() throws Exception {
        releaseState();
        lastState = WitnessState.open(dir.resolve("state"));
        lastWitness = new Witness(witnessKey, List.of(logKey.verifier()), lastState, clock);
        return lastWitness;
    }

    private void releaseState() throws Exception {
        if (lastState != null) {
            lastState.close();
            lastState = null;
        }
    }

    @org.junit.jupiter.api.AfterEach
    void release() throws Exception {
        releaseState();
    }

    /** A tree of {@code size} entries; {@code fork} changes every entry from index 3 on. */
    private static List<byte[]> leaves(int size, boolean fork) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            leaves.add(Merkle.leafHash(((fork && i >= 3 ? "fork " : "entry ") + i).getBytes(StandardCharsets.UTF_8)));
        }
        return leaves;
    }

    private String checkpoint(List<byte[]> leaves, NoteKeys.Signer signer) {
        byte[] root = Merkle.root(Merkle.inMemory(leaves), leaves.size());
        return Note.sign(new Checkpoint(logKey.name(), leaves.size(), root).text(), signer);
    }

    private static byte[] request(long old, List<byte[]> proof, String note) {
        StringBuilder body = new StringBuilder("old ").append(old).append('\n');
        proof.forEach(h -> body.append(Base64.getEncoder().encodeToString(h)).append('\n'));
        return body.append('\n').append(note).toString().getBytes(StandardCharsets.UTF_8);
    }

    private Witness.Answer add(Witness witness, long old, List<byte[]> leaves) {
        List<byte[]> proof = old == 0 ? List.of() : Merkle.consistencyProof(Merkle.inMemory(leaves), old, leaves.size());
        return witness.addCheckpoint(request(old, proof, checkpoint(leaves, logKey)));
    }

    @Test
    void cosignsACheckpointThatExtendsTheLastOneAndTheCosignatureVerifies() throws Exception {
        Witness witness = witness();
        Witness.Answer first = add(witness, 0, leaves(5, false));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        Witness.Answer second = add(witness, 5, leaves(12, false));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.body()).startsWith("\u2014 witness.example/w1 ").endsWith("\n").hasLineCount(1);
        Note cosigned = Note.parse(checkpoint(leaves(12, false), logKey) + second.body());
        assertThat(Cosignature.verify(cosigned, witnessKey.verifier())).isEqualTo(1_800_000_000L);
        // the same checkpoint again: consistent with itself, cosigned again
        assertThat(add(witness, 12, leaves(12, false)).status()).isEqualTo(200);
    }

    @Test
    void refusesTheSecondHistoryOfOneLogAlsoAfterARestart() throws Exception {
        Witness witness = witness();
        assertThat(add(witness, 0, leaves(8, false)).status()).isEqualTo(200);
        // the fork, larger: its proof from 8 is honest about its own tree, so it does not connect to the root cosigned at 8
        Witness.Answer fork = add(witness, 8, leaves(10, true));
        assertThat(fork.status()).isEqualTo(422);
        assertThat(fork.body()).contains("does not verify");
        // the fork at the same size: another root
        assertThat(add(witness, 8, leaves(8, true)).status()).isEqualTo(422);
        // the fork presented as a first sight (old 0): the witness has a size, 409 says which
        Witness.Answer fresh = add(witness, 0, leaves(10, true));
        assertThat(fresh.status()).isEqualTo(409);
        assertThat(fresh.contentType()).isEqualTo("text/x.tlog.size");
        assertThat(fresh.body()).isEqualTo("8\n");
        // restarted from its state file: still the first history's
        Witness restarted = witness();
        assertThat(add(restarted, 8, leaves(10, true)).status()).isEqualTo(422);
        assertThat(add(restarted, 8, leaves(10, false)).status()).isEqualTo(200);
        assertThat(new String(Files.readAllBytes(dir.resolve("state")), StandardCharsets.UTF_8)).startsWith(WitnessState.HEADER + "\nexample.com/log 10 ");
    }

    @Test
    void answersAsTheSpecSaysForEachWrongRequest() throws Exception {
        Witness witness = witness();
        assertThat(add(witness, 0, leaves(6, false)).status()).isEqualTo(200);
        // a smaller tree: old (the size it has) beyond the checkpoint's
        assertThat(witness.addCheckpoint(request(6, List.of(), checkpoint(leaves(4, false), logKey))).status()).isEqualTo(400);
        // an old size it does not have
        assertThat(add(witness, 3, leaves(9, false)).status()).isEqualTo(409);
        // an unknown origin
        NoteKeys.Signer stranger = NoteKeys.fromSeed("example.com/other", seed(3));
        String foreign = Note.sign(new Checkpoint("example.com/other", 1, Merkle.leafHash(new byte[1])).text(), stranger);
        assertThat(witness.addCheckpoint(request(0, List.of(), foreign)).status()).isEqualTo(404);
        // the right origin signed by another key under the same name: no trusted signature
        NoteKeys.Signer impostor = NoteKeys.fromSeed("example.com/log", seed(4));
        assertThat(witness.addCheckpoint(request(6, List.of(), checkpoint(leaves(6, false), impostor))).status()).isEqualTo(403);
        // a trusted key's line whose signature does not verify (the size changed after signing)
        String altered = checkpoint(leaves(6, false), logKey).replace("\n6\n", "\n7\n");
        assertThat(witness.addCheckpoint(request(6, List.of(), altered)).status()).isEqualTo(403);
        // a witness that has seen nothing of the log: size 0 must carry the empty tree's root, old 0 no proof lines
        Witness empty = new Witness(witnessKey, List.of(logKey.verifier()), WitnessState.open(dir.resolve("other")), clock);
        String zero = Note.sign(new Checkpoint(logKey.name(), 0, new byte[32]).text(), logKey);
        assertThat(empty.addCheckpoint(request(0, List.of(), zero)).status()).isEqualTo(422);
        assertThat(empty.addCheckpoint(request(0, List.of(new byte[32]), checkpoint(leaves(3, false), logKey))).status()).isEqualTo(422);
    }

    @Test
    void refusesMalformedRequestsWith400() throws Exception {
        Witness witness = witness();
        String note = checkpoint(leaves(3, false), logKey);
        // ("old 0\n" + note: no blank line after the proof lines, so the note's origin line reads as a proof line)
        for (String body : List.of("old 01\n\n" + note, "old -1\n\n" + note, "old 99999999999999999999\n\n" + note, "old 0\n" + note,
                "old 0\n" + Base64.getEncoder().encodeToString(new byte[32]).replace("=", "") + "\n\n" + note,
                "old 0\nnot base64!\n\n" + note, "old 0\nAAAA\n\n" + note, "new 0\n\n" + note, "old 0\n\nnot a note\n",
                "old 0\n" + (Base64.getEncoder().encodeToString(new byte[32]) + "\n").repeat(64) + "\n" + note)) {
            assertThat(witness.addCheckpoint(body.getBytes(StandardCharsets.UTF_8)).status()).as(body.substring(0, Math.min(40, body.length())))
                    .isEqualTo(400);
        }
        assertThat(witness.addCheckpoint(new byte[Witness.MAX_REQUEST_BYTES + 1]).status()).isEqualTo(413);
        // 63 proof lines is what the spec allows: parsed (and then refused for the proof itself, not as malformed)
        String sixtyThree = "old 0\n" + (Base64.getEncoder().encodeToString(new byte[32]) + "\n").repeat(63) + "\n" + note;
        assertThat(witness.addCheckpoint(sixtyThree.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(422);
        assertThat(witness.addCheckpoint(new byte[]{'o', 'l', 'd', ' ', '0', '\n', '\n', (byte) 0xff}).status()).isEqualTo(400);
        // nothing of these was recorded
        assertThat(add(witness, 0, leaves(3, false)).status()).isEqualTo(200);
    }

    @Test
    void refusesACheckpointWithALineOfTheLogsKeyThatDoesNotVerifyAndKeepsOnlyWhatVerified() throws Exception {
        Witness witness = witness();
        String note = checkpoint(leaves(3, false), logKey);
        String logLine = note.substring(note.indexOf("\u2014"));
        // a second line under the log's name and key ID, its signature bytes changed: the note was altered (signed-note), 403
        String sig = logLine.substring(logLine.lastIndexOf(' ') + 1).strip();
        byte[] blob = Base64.getDecoder().decode(sig);
        blob[10] ^= 1;
        String altered = note + logLine.replace(sig, Base64.getEncoder().encodeToString(blob));
        assertThat(witness.addCheckpoint(request(0, List.of(), altered)).status()).isEqualTo(403);
        // junk lines of unknown keys are ignored for the check, and not kept: the stored note is the checkpoint, the log's line, the cosignature
        NoteKeys.Signer stranger = NoteKeys.fromSeed("someone.else", seed(9));
        String junk = note + Note.sign(note.substring(0, note.indexOf("\n\n") + 1), stranger).substring(note.indexOf("\n\n") + 2);
        Witness.Answer answer = witness.addCheckpoint(request(0, List.of(), junk));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        String stored = lastState.latest(logKey.name()).note();
        assertThat(stored).isEqualTo(note + answer.body()).doesNotContain("someone.else");
    }

    @Test
    void refusesToStartFromADamagedStateFileRatherThanForget() throws Exception {
        Witness witness = witness();
        assertThat(add(witness, 0, leaves(4, false)).status()).isEqualTo(200);
        releaseState();
        Path state = dir.resolve("state");
        String good = Files.readString(state);
        Files.writeString(state, good.substring(0, good.indexOf('\n') + 30));
        assertThatThrownBy(() -> WitnessState.open(state)).hasMessageContaining("line 2").hasMessageContaining("damaged");
        Files.writeString(state, "");
        assertThatThrownBy(() -> WitnessState.open(state)).hasMessageContaining("damaged (or empty)");
        String line = good.substring(good.indexOf('\n') + 1);
        Files.writeString(state, WitnessState.HEADER + "\n" + line + line);
        assertThatThrownBy(() -> WitnessState.open(state)).hasMessageContaining("a second time");
        Files.delete(state);
        assertThatThrownBy(() -> WitnessState.open(state, false)).hasMessageContaining("missing");
        try (WitnessState fresh = WitnessState.open(state, true)) {
            assertThat(fresh.latest(logKey.name())).isNull();
            assertThatThrownBy(() -> WitnessState.open(state, true)).hasMessageContaining("another witness process");
        }
        assertThatThrownBy(() -> new Witness(logKey, List.of(logKey.verifier()), WitnessState.open(dir.resolve("x")), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x04");
    }

    private static byte[] seed(int b) {
        byte[] seed = new byte[32];
        java.util.Arrays.fill(seed, (byte) b);
        return seed;
    }
}
