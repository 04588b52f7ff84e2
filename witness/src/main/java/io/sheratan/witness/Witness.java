package io.sheratan.witness;

import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A {@code c2sp.org/tlog-witness}: it follows the logs whose keys it is given and cosigns
 * ({@link Cosignature}, cosignature/v1) each checkpoint that extends the latest one it cosigned for
 * that origin, checking the log's signature and the consistency proof. It never cosigns a smaller
 * tree, a fork (another tree of the same size, or one the proof does not connect) or an unknown
 * origin. What it cosigned is on disk ({@link WitnessState}, fsynced) before it answers, and checking
 * and recording happen under one lock, so two requests can never roll a log back.
 *
 * <p>{@link #addCheckpoint} is the {@code POST /add-checkpoint} call, status codes as C2SP specifies:
 * 400 for a malformed request or an old size beyond the checkpoint's (413 beyond its size limit), 403 for no valid signature of a
 * trusted key or a line of that key that does not verify, 404 for an unknown origin, 409 (body: the size it has, {@code text/x.tlog.size}) when
 * the old size is not the one it cosigned last, 422 for a proof that does not verify or a root that
 * differs at the same size.
 */
public final class Witness {

    /** The most a request may hold: the note's limit plus 63 proof lines and the old size line. */
    public static final int MAX_REQUEST_BYTES = Note.MAX_BYTES + 64 * 64;
    /** C2SP: a client sends at most 63 consistency proof lines. */
    static final int MAX_PROOF_LINES = 63;
    /** Lines of the log's own key a checkpoint may carry (each costs a signature check). */
    static final int MAX_LOG_LINES = 4;
    private static final Pattern OLD = Pattern.compile("old (0|[1-9][0-9]{0,18})");

    private final NoteKeys.Signer key;
    private final Map<String, NoteKeys.Verifier> logs = new LinkedHashMap<>();
    private final WitnessState state;
    private final Clock clock;

    /** An answer to add-checkpoint: status, content type and body text. */
    public record Answer(int status, String contentType, String body) {
        static Answer text(int status, String body) {
            return new Answer(status, "text/plain; charset=utf-8", body.endsWith("\n") ? body : body + "\n");
        }
    }

    /**
     * @param key   the witness's own key (type 0x04, see {@link Cosignature#parseVerifier})
     * @param logs  the log keys it follows; each log is its key's name (the checkpoint origin)
     * @param state what it cosigned last per origin, kept on disk
     */
    public Witness(NoteKeys.Signer key, List<NoteKeys.Verifier> logs, WitnessState state, Clock clock) {
        if (key.verifier().alg() != Cosignature.ALG) {
            throw new IllegalArgumentException("a witness signs with a cosignature key (type 0x04)");
        }
        for (NoteKeys.Verifier log : logs) {
            if (logs.stream().filter(l -> l.name().equals(log.name())).count() > 1) {
                throw new IllegalArgumentException("two keys for the log " + log.name() + ": give each origin once");
            }
            this.logs.put(log.name(), log);
        }
        this.key = key;
        this.state = state;
        this.clock = clock;
    }

    public NoteKeys.Verifier verifier() {
        return key.verifier();
    }

    /** The origins it follows. */
    public List<String> origins() {
        return List.copyOf(logs.keySet());
    }

    /** {@code POST /add-checkpoint}: the request body in, the answer out (see the class comment). */
    public Answer addCheckpoint(byte[] body) {
        Request request;
        try {
            request = Request.parse(body);
        } catch (TooLarge e) {
            return Answer.text(413, "the request is larger than " + MAX_REQUEST_BYTES + " bytes");
        } catch (NoteException e) {
            return Answer.text(400, e.getMessage());
        }
        Note note;
        Checkpoint checkpoint;
        try {
            note = Note.parse(request.checkpoint());
            checkpoint = Checkpoint.parse(note.text());
        } catch (NoteException e) {
            return Answer.text(400, "not a checkpoint: " + e.getMessage());
        }
        NoteKeys.Verifier log = logs.get(checkpoint.origin());
        if (log == null) {
            return Answer.text(404, "unknown log: this witness does not follow " + Checkpoint.printable(checkpoint.origin()));
        }
        List<Note.Signature> logLines = note.signatures().stream()
                .filter(sig -> sig.name().equals(log.name()) && sig.keyId() == log.keyId()).toList();
        if (logLines.size() > MAX_LOG_LINES) {
            return Answer.text(400, "more than " + MAX_LOG_LINES + " signature lines of the log's key");
        }
        try {
            Note.open(note, log); // every line of the log's key must verify (signed-note): else 403
        } catch (NoteException e) {
            return Answer.text(403, e.getMessage());
        }
        if (request.oldSize() > checkpoint.size()) {
            return Answer.text(400, "old size " + request.oldSize() + " is larger than the checkpoint's size " + checkpoint.size());
        }
        synchronized (this) {
            WitnessState.Latest latest = state.latest(checkpoint.origin());
            long have = latest == null ? 0 : latest.size();
            if (request.oldSize() != have) {
                return new Answer(409, "text/x.tlog.size", have + "\n");
            }
            String refused = refusal(request, checkpoint, latest);
            if (refused != null) {
                return Answer.text(422, refused);
            }
            long now = clock.instant().getEpochSecond();
            String line = Cosignature.sign(key, note.text(), now);
            boolean same = latest != null && latest.size() == checkpoint.size() && Arrays.equals(latest.root(), checkpoint.root());
            if (!same) {
                // what is kept and served: the checkpoint, the log's lines that verified, this witness's line; nothing else the request carried
                StringBuilder kept = new StringBuilder(note.text()).append('\n');
                logLines.forEach(sig -> kept.append(sig.line()).append('\n'));
                try {
                    state.record(checkpoint.origin(), checkpoint.size(), checkpoint.root(), kept.append(line).toString());
                } catch (IOException e) {
                    return Answer.text(500, "cannot record the checkpoint (" + e.getMessage() + "): not cosigned");
                }
            }
            return new Answer(200, "text/plain; charset=utf-8", line);
        }
    }

    /** Why the checkpoint does not extend what was cosigned last, or null when it does. */
    private static String refusal(Request request, Checkpoint checkpoint, WitnessState.Latest latest) {
        if (checkpoint.size() == 0 && !Arrays.equals(checkpoint.root(), Merkle.emptyRoot())) {
            return "a checkpoint of size 0 must have the empty tree's root";
        }
        if (request.oldSize() == 0) {
            return request.proof().isEmpty() ? null : "the consistency proof from size 0 must be empty";
        }
        if (request.oldSize() == checkpoint.size()) {
            if (!request.proof().isEmpty()) {
                return "the consistency proof from a size to itself must be empty";
            }
            return Arrays.equals(latest.root(), checkpoint.root()) ? null
                    : "a different root at the size cosigned last (" + checkpoint.size() + "): the log forked";
        }
        if (!Merkle.verifyConsistency(request.oldSize(), checkpoint.size(), latest.root(), checkpoint.root(), request.proof())) {
            return "the consistency proof from size " + request.oldSize() + " to " + checkpoint.size()
                    + " does not verify: the tree does not extend the one cosigned last (a fork, or a bad proof)";
        }
        return null;
    }

    /** A request over {@link #MAX_REQUEST_BYTES}: 413. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super("too large", null, false, false);
        }
    }

    /** The parts of an add-checkpoint body: old size, proof hashes, the checkpoint note. */
    record Request(long oldSize, List<byte[]> proof, String checkpoint) {

        static Request parse(byte[] body) throws NoteException, TooLarge {
            if (body.length > MAX_REQUEST_BYTES) {
                throw new TooLarge();
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                throw new NoteException("the request is not UTF-8");
            }
            int blank = text.indexOf("\n\n");
            if (blank < 0) {
                throw new NoteException("the request is 'old N', proof lines, a blank line, then the checkpoint");
            }
            String[] head = text.substring(0, blank).split("\n", -1);
            if (!OLD.matcher(head[0]).matches()) {
                throw new NoteException("the first line must be 'old <size>' (decimal, no leading zeros)");
            }
            long old;
            try {
                old = Long.parseLong(head[0].substring(4));
            } catch (NumberFormatException e) {
                throw new NoteException("the old size is too large");
            }
            if (head.length - 1 > MAX_PROOF_LINES) {
                throw new NoteException("more than " + MAX_PROOF_LINES + " consistency proof lines");
            }
            List<byte[]> proof = new ArrayList<>(head.length - 1);
            for (int i = 1; i < head.length; i++) {
                byte[] hash;
                try {
                    hash = Base64.getDecoder().decode(head[i]);
                } catch (IllegalArgumentException e) {
                    throw new NoteException("proof line " + i + " is not base64");
                }
                if (hash.length != 32 || !Base64.getEncoder().encodeToString(hash).equals(head[i])) {
                    throw new NoteException("proof line " + i + " is not a 32-byte hash in padded base64");
                }
                proof.add(hash);
            }
            return new Request(old, proof, text.substring(blank + 2));
        }
    }
}
