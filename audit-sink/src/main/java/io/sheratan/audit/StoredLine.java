package io.sheratan.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One line of the JSONL audit log as it is stored, read as bytes: the event's bytes exactly as
 * written (the Merkle entry) and the line's own members. The event is never parsed to be read back:
 * {@code {"event":} comes first in every line (RFC 8785 sorts it first), so its end is found by
 * scanning the JSON value's brackets and strings, and only the rest of the line (hashes, sequence
 * number, source) goes through a JSON parser. So a huge integer, a deep nesting or any other content
 * a foreign writer managed to get logged can never keep the log from opening or verifying.
 */
record StoredLine(byte[] event, long seq, String hash, String prevHash, String topic, int partition, long offset) {

    private static final byte[] PREFIX = "{\"event\":".getBytes(StandardCharsets.US_ASCII);
    /** No line we write is longer than {@link ChainLog#MAX_LINE_BYTES}; a longer one is not ours. */
    static final int MAX_STORED_LINE = ChainLog.MAX_LINE_BYTES * 2;
    /** Reads whatever the sink logged into a tree for its index keys; never limits what it already wrote. */
    private static final ObjectMapper LENIENT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE).maxNestingDepth(10_000).build())
            .build());

    /** Calls {@code each} for every line of {@code file}, in order; throws naming the file and line for one that is not a log line. */
    static void forEach(Path file, Consumer<StoredLine> each) throws IOException {
        read(file, each, false);
    }

    /** Calls {@code each} for the first line of {@code file}, if any. */
    static void first(Path file, Consumer<StoredLine> each) throws IOException {
        read(file, each, true);
    }

    private static void read(Path file, Consumer<StoredLine> each, boolean firstOnly) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[64 * 1024];
            byte[] line = new byte[4096];
            int length = 0;
            long number = 1;
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = chunk[i];
                    if (b != '\n') {
                        if (length == MAX_STORED_LINE) {
                            throw new IOException(file.getFileName() + " line " + number + " is longer than " + MAX_STORED_LINE
                                    + " bytes: not a line this log writes (edited? 'sheratan audit verify-chain' says more)");
                        }
                        if (length == line.length) {
                            line = Arrays.copyOf(line, Math.min(MAX_STORED_LINE, line.length * 2));
                        }
                        line[length++] = b;
                        continue;
                    }
                    if (length > 0) {
                        each.accept(parse(line, length, file, number));
                        if (firstOnly) {
                            return;
                        }
                    }
                    length = 0;
                    number++;
                }
            }
            if (length > 0) {
                each.accept(parse(line, length, file, number)); // a last line without its line break
            }
        }
    }

    static StoredLine parse(byte[] line, int length, Path file, long number) throws IOException {
        int eventEnd = length >= PREFIX.length && Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)
                ? valueEnd(line, PREFIX.length, length) : -1;
        if (eventEnd < 0 || eventEnd >= length || line[eventEnd] != ',') {
            throw notALine(file, number, "it does not start with a JSON object as its event");
        }
        byte[] rest = new byte[length - eventEnd];
        rest[0] = '{';
        System.arraycopy(line, eventEnd + 1, rest, 1, length - eventEnd - 1);
        JsonNode members;
        try {
            members = ChainLog.JSON.readTree(rest);
        } catch (IOException e) {
            throw notALine(file, number, "its members after the event are not JSON");
        }
        JsonNode source = members.path("source");
        if (!members.path("seq").canConvertToLong() || !members.path("hash").isTextual() || !members.path("prev_hash").isTextual()
                || !source.path("topic").isTextual() || !source.path("partition").canConvertToInt() || !source.path("offset").canConvertToLong()) {
            throw notALine(file, number, "seq, hash, prev_hash or source is missing");
        }
        return new StoredLine(Arrays.copyOfRange(line, PREFIX.length, eventEnd), members.get("seq").asLong(), members.get("hash").asText(),
                members.get("prev_hash").asText(), source.get("topic").asText(), source.get("partition").asInt(), source.get("offset").asLong());
    }

    private static IOException notALine(Path file, long number, String why) {
        return new IOException((file == null ? "line " : file.getFileName() + " line ") + number + " is not an audit log line (" + why
                + "; edited? 'sheratan audit verify-chain' says more); refusing to append to it");
    }

    /**
     * The index just past the JSON object or array that starts at {@code from}, or -1 when there is
     * none before {@code to}: brackets are counted outside strings, and a string ends at the first
     * quote not escaped by a backslash. Enough for a value the sink wrote as canonical JSON.
     */
    static int valueEnd(byte[] b, int from, int to) {
        if (from >= to || (b[from] != '{' && b[from] != '[')) {
            return -1;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    /** The event of a stored entry as a tree, for its index keys only; a missing node when it cannot be parsed. */
    static JsonNode parseLeniently(byte[] entry) {
        try {
            JsonNode node = LENIENT.readTree(entry);
            return node == null ? MissingNode.getInstance() : node;
        } catch (IOException | RuntimeException e) {
            return MissingNode.getInstance();
        }
    }
}
