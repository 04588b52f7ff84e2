package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.audit.AuditQuery;
import io.sheratan.audit.AuditSinkApp;
import io.sheratan.audit.ChainVerifier;
import io.sheratan.audit.LogVerifier;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.InclusionProof;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sheratan audit ...}: the auditor's tools. Over a copy of the log: {@code verify-chain},
 * {@code query}, {@code verify-log}; over what a consumer was handed: {@code verify-proof} and
 * {@code verify-consistency}. The checks need the log's verifier key only ({@code log-key} prints it).
 */
@Command(name = "audit",
        header = "Check or search the audit log.",
        mixinStandardHelpOptions = true,
        description = "Check or search the audit log written by 'sheratan audit-sink'; check its proofs offline.",
        subcommands = {AuditCommand.VerifyChain.class, AuditCommand.Query.class, AuditCommand.VerifyLog.class,
            AuditCommand.VerifyProof.class, AuditCommand.VerifyConsistency.class, AuditCommand.LogKey.class})
final class AuditCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "choose: verify-chain, query, verify-log, verify-proof, verify-consistency or log-key");
    }

    @Command(name = "verify-chain",
        header = "Check the audit log's hash chain.",
            mixinStandardHelpOptions = true,
            description = {
                "Recompute the hash chain over every file and line.",
                "Exit 0 with a summary (lines, files, first/last time, head hash) when intact;",
                "exit 1 naming the first broken line. Truncation of the newest lines cannot be seen",
                "from the log alone: compare the head hash with a copy kept elsewhere.",
                "--json: one JSON object instead ({\"intact\":..,\"lines\":..,\"files\":..,\"head\":..,...}), same exit codes."
            })
    static final class VerifyChain implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the audit log directory (e.g. data/audit)")
        Path dir;

        @Option(names = "--json", description = "print the result as one JSON object (for scripts)")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                System.err.println("sheratan audit verify-chain: no such directory: " + dir);
                return 2;
            }
            ChainVerifier.Report r = ChainVerifier.verify(dir);
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode out = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                out.put("intact", r.intact());
                out.put("lines", r.lines());
                out.put("files", r.files());
                out.put("first", r.firstTime() == null ? null : r.firstTime().toString());
                out.put("last", r.lastTime() == null ? null : r.lastTime().toString());
                out.put("head", r.head());
                out.put("problem", r.problem());
                System.out.println(out);
                return r.intact() ? 0 : 1;
            }
            if (r.intact()) {
                System.out.printf("intact: %d lines in %d files, first %s, last %s%nhead %s%n",
                        r.lines(), r.files(), r.firstTime(), r.lastTime(), r.head());
                return 0;
            }
            System.out.println("BROKEN: " + r.problem());
            System.out.printf("verified before the break: %d lines, head %s%n", r.lines(), r.head());
            return 1;
        }
    }

    @Command(name = "query",
        header = "Find audit events by job id, reason, type or time.",
            mixinStandardHelpOptions = true,
            description = "Print the matching audit events as JSON lines; every given filter must match.")
    static final class Query implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the audit log directory (e.g. data/audit)")
        Path dir;

        @Option(names = "--job-id", description = "events of this job")
        String jobId;

        @Option(names = "--reason", description = "e.g. sha_mismatch, conflict, malformed")
        String reason;

        @Option(names = "--type", description = "e.g. RESULT_INTEGRITY_FAIL, RESULT_CONFLICT")
        String type;

        @Option(names = "--since", description = "ISO-8601 instant, inclusive (event ts)")
        Instant since;

        @Option(names = "--until", description = "ISO-8601 instant, exclusive (event ts)")
        Instant until;

        @Override
        public Integer call() throws Exception {
            long matched = AuditQuery.run(dir, new AuditQuery.Filter(jobId, reason, type, since, until), System.out);
            System.err.println("audit query: " + matched + " events");
            return 0;
        }
    }

    /** Reads a verifier key given inline or as a file holding it. */
    static NoteKeys.Verifier verifierKey(String given) throws NoteException, IOException {
        Path file = Path.of(given);
        String text = !given.contains("+") && Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : given;
        return NoteKeys.parseVerifier(text.strip());
    }

    @Command(name = "verify-log",
            header = "Check a copy of the audit log against its signed checkpoint.",
            mixinStandardHelpOptions = true,
            description = {
                "Recompute the Merkle tree from tlog/tile/entries and check it against tlog/checkpoint (signature under --log-key,",
                "then the root), each JSONL line against the entry at its index, and the hash chain. With --checkpoint, also that the",
                "log extends checkpoints you kept earlier (a log cut back and given an older checkpoint is caught this way).",
                "With --witness (repeatable): also that at least --witnesses-required of those witnesses cosigned the checkpoint.",
                "Exit 0 when everything holds; 1 naming the first bad index; 2 for a bad key or directory."
            })
    static final class VerifyLog implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the audit directory (e.g. data/audit, or a copy of it)")
        Path dir;

        @Option(names = "--log-key", required = true, paramLabel = "VKEY",
                description = "the log's verifier key (origin+keyid+base64), or a file holding it")
        String logKey;

        @Option(names = "--checkpoint", paramLabel = "FILE", description = "a checkpoint kept from earlier (repeatable)")
        List<Path> kept = new ArrayList<>();

        @Mixin
        WitnessPolicy witnesses = new WitnessPolicy();

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                System.err.println("sheratan audit verify-log: no such directory: " + dir);
                return 2;
            }
            NoteKeys.Verifier key;
            List<NoteKeys.Verifier> witnessKeys;
            try {
                key = verifierKey(logKey);
                witnessKeys = witnesses.keys();
            } catch (NoteException e) {
                System.err.println("sheratan audit verify-log: " + e.getMessage());
                return 2;
            }
            List<String> notes = new ArrayList<>();
            for (Path file : kept) {
                notes.add(Files.readString(file, StandardCharsets.UTF_8));
            }
            long start = System.nanoTime();
            LogVerifier.Report report = LogVerifier.verify(dir, key, notes,
                    n -> System.err.printf("  %,d entries read%n", n));
            report.findings().forEach(f -> System.out.println("ok    " + f));
            report.problems().forEach(p -> System.out.println("FAIL  " + p));
            String uncosigned = null;
            if (witnesses.required() > 0) {
                // the very note the tree was checked against (read once), never a second read of the file
                uncosigned = report.note() == null ? "no verified checkpoint to check cosignatures on"
                        : witnesses.refusal(report.note(), witnessKeys);
                System.out.println(uncosigned == null ? "ok    checkpoint" + witnesses.summary(report.note(), witnessKeys) : "FAIL  checkpoint: " + uncosigned);
            }
            if (report.holds() && uncosigned == null) {
                System.out.printf("holds (%.1f s)%n", (System.nanoTime() - start) / 1e9);
                return 0;
            }
            System.out.println("DOES NOT HOLD" + (report.firstBad() >= 0 ? ": first bad index " + report.firstBad() : ""));
            return 1;
        }
    }

    @Command(name = "verify-proof",
            header = "Check an inclusion proof offline.",
            mixinStandardHelpOptions = true,
            description = {
                "FILE is a c2sp.org/tlog-proof@v1 (GET /audit/proof: the entry travels as its extra line) or the JSON of",
                "GET /results/{job_id}/proof (the result, its RESULT_VERIFIED entry and the proof; the entry must name the",
                "result's job and core hash). Checks the checkpoint's signature under --log-key and the entry's audit path",
                "to its root. With --witness (repeatable): also that at least --witnesses-required of those witnesses cosigned",
                "the checkpoint. Exit 0 holds, 1 not, 2 unreadable input or key."
            })
    static final class VerifyProof implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the proof (- for stdin)")
        String file;

        @Option(names = "--log-key", required = true, paramLabel = "VKEY", description = "the log's verifier key, or a file holding it")
        String logKey;

        @Option(names = "--entry", paramLabel = "FILE", description = "the entry's bytes, when the proof does not carry them")
        Path entryFile;

        @Mixin
        WitnessPolicy witnesses = new WitnessPolicy();

        @Override
        public Integer call() throws Exception {
            NoteKeys.Verifier key;
            List<NoteKeys.Verifier> witnessKeys;
            String text;
            try {
                key = verifierKey(logKey);
                witnessKeys = witnesses.keys();
                text = "-".equals(file) ? new String(System.in.readNBytes(InclusionProof.MAX_BYTES + 1), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (NoteException | IOException e) {
                System.err.println("sheratan audit verify-proof: " + e.getMessage());
                return 2;
            }
            byte[] entry = entryFile == null ? null : Files.readAllBytes(entryFile);
            JsonNode result = null;
            ObjectMapper json = new ObjectMapper();
            if (text.stripLeading().startsWith("{")) {
                JsonNode bundle = json.readTree(text);
                if (!bundle.path("proof").isTextual() || !bundle.path("entry").isTextual()) {
                    System.err.println("sheratan audit verify-proof: the JSON has no \"proof\" and \"entry\" texts");
                    return 2;
                }
                result = bundle.path("result");
                text = bundle.get("proof").asText();
                entry = bundle.get("entry").asText().getBytes(StandardCharsets.UTF_8);
            }
            InclusionProof proof;
            try {
                proof = InclusionProof.parse(text);
            } catch (NoteException e) {
                System.err.println("sheratan audit verify-proof: " + e.getMessage());
                return 2;
            }
            try {
                Checkpoint checkpoint = proof.verify(key, entry);
                String uncosigned = witnesses.refusal(proof.checkpointNote(), witnessKeys);
                if (uncosigned != null) {
                    System.out.println("DOES NOT HOLD: " + uncosigned);
                    return 1;
                }
                byte[] logged = entry != null ? entry : proof.extra();
                if (result != null) {
                    JsonNode e = json.readTree(logged);
                    if (!result.path("job_id").equals(e.path("job_id")) || !result.path("sha256").equals(e.path("sha256"))) {
                        System.out.println("DOES NOT HOLD: the logged entry names job " + e.path("job_id") + " / sha256 " + e.path("sha256")
                                + ", the result " + result.path("job_id") + " / " + result.path("sha256"));
                        return 1;
                    }
                }
                System.out.printf("holds: entry %d is in %s at tree size %d (signed%s)%n  %s%n", proof.index(), checkpoint.origin(),
                        checkpoint.size(), witnesses.summary(proof.checkpointNote(), witnessKeys), new String(logged, StandardCharsets.UTF_8));
                return 0;
            } catch (NoteException e) {
                System.out.println("DOES NOT HOLD: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "verify-consistency",
            header = "Check that a newer checkpoint extends an older one.",
            mixinStandardHelpOptions = true,
            description = {
                "OLD and NEW are checkpoint notes (GET /audit/checkpoint at two times); --proof is the RFC 9162 consistency proof",
                "(GET /audit/consistency?old=M&new=N, base64 hashes one a line). Both signatures are checked under --log-key.",
                "With --witness (repeatable): also that at least --witnesses-required of those witnesses cosigned the checkpoint.",
                "Exit 0 when NEW's tree extends OLD's, 1 when not, 2 unreadable input or key."
            })
    static final class VerifyConsistency implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OLD", description = "the older checkpoint")
        Path oldFile;

        @Parameters(index = "1", paramLabel = "NEW", description = "the newer checkpoint")
        Path newFile;

        @Option(names = "--proof", required = true, paramLabel = "FILE", description = "the consistency proof")
        Path proofFile;

        @Option(names = "--log-key", required = true, paramLabel = "VKEY", description = "the log's verifier key, or a file holding it")
        String logKey;

        @Mixin
        WitnessPolicy witnesses = new WitnessPolicy();

        @Override
        public Integer call() throws Exception {
            NoteKeys.Verifier key;
            List<NoteKeys.Verifier> witnessKeys;
            List<byte[]> proof;
            String oldNote;
            String newNote;
            try {
                key = verifierKey(logKey);
                witnessKeys = witnesses.keys();
                oldNote = Files.readString(oldFile, StandardCharsets.UTF_8);
                newNote = Files.readString(newFile, StandardCharsets.UTF_8);
                proof = InclusionProof.parseConsistency(Files.readString(proofFile, StandardCharsets.UTF_8));
            } catch (NoteException | IOException e) {
                System.err.println("sheratan audit verify-consistency: " + e.getMessage());
                return 2;
            }
            Checkpoint older;
            Checkpoint newer;
            try {
                older = Note.openCheckpoint(oldNote, key);
                newer = Note.openCheckpoint(newNote, key);
            } catch (NoteException e) {
                System.out.println("DOES NOT HOLD: " + e.getMessage());
                return 1;
            }
            String uncosigned = witnesses.refusal(newNote, witnessKeys);
            if (uncosigned != null) {
                System.out.println("DOES NOT HOLD: NEW: " + uncosigned);
                return 1;
            }
            if (Merkle.verifyConsistency(older.size(), newer.size(), older.root(), newer.root(), proof)) {
                System.out.printf("holds: the tree of %d entries extends the tree of %d (%s%s)%n", newer.size(), older.size(), newer.origin(),
                        witnesses.summary(newNote, witnessKeys));
                return 0;
            }
            System.out.printf("DOES NOT HOLD: the proof does not show the tree of %d entries extending the tree of %d%s%n",
                    newer.size(), older.size(), older.size() > newer.size() ? " (OLD is the larger: swapped?)" : "");
            return 1;
        }
    }

    @Command(name = "log-key",
            header = "Print the audit log's verifier key.",
            mixinStandardHelpOptions = true,
            description = {
                "Prints <origin>+<key id>+<base64 key>, the key auditors check checkpoints and proofs with, from",
                "SHERATAN_AUDIT_LOG_KEY_FILE (else <data dir>/audit/log-key.pem) and SHERATAN_AUDIT_ORIGIN. Never prints the private key."
            })
    static final class LogKey implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR", description = "the audit directory (default: $SHERATAN_DATA_DIR/audit)")
        Path dir;

        @Override
        public Integer call() {
            Map<String, String> env = Env.system();
            Path auditDir = dir != null ? dir : DataDir.audit(env);
            String configured = env.get(AuditSinkApp.LOG_KEY_FILE_SETTING.name());
            Path file = configured != null && !configured.isBlank() ? Path.of(configured) : auditDir.resolve("log-key.pem");
            if (!Files.exists(file)) {
                System.err.println("sheratan audit log-key: no log key at " + file + " ('sheratan up' or 'sheratan audit-sink' generates one)");
                return 2;
            }
            System.out.println(AuditSinkApp.logKey(env, auditDir).verifier().encoded());
            return 0;
        }
    }
}
