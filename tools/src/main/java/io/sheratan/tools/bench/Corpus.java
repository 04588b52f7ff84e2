package io.sheratan.tools.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic, realistic job-result envelopes of a target size: nested objects with members in
 * the order a worker writes them (not sorted), ASCII and non-ASCII strings, integers, short
 * decimals, booleans and arrays.
 */
public final class Corpus {

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "épsilon", "zeta", "eta", "thêta",
        "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "€uro", "日本"};
    private static final String[] KEYS = {"status", "value", "score", "node", "items", "meta", "duration_ms",
        "attempt", "name", "tags", "ratio", "ok_count", "details", "path", "checksum", "labels"};

    private Corpus() {
    }

    /** {@code count} envelopes of roughly {@code targetBytes} each, the same for the same seed. */
    public static List<byte[]> envelopes(int count, int targetBytes, long seed) {
        Random random = new Random(seed);
        List<byte[]> documents = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder result = new StringBuilder();
            result.append('{');
            int members = 0;
            while (result.length() < targetBytes - 120) {
                if (members++ > 0) {
                    result.append(',');
                }
                result.append('"').append(KEYS[random.nextInt(KEYS.length)]).append('_').append(members).append("\":");
                value(result, random, 0);
            }
            result.append('}');
            String envelope = "{\"job_id\":\"job-" + seed + "-" + i + "\",\"ok\":true,\"result\":" + result + "}";
            documents.add(envelope.getBytes(StandardCharsets.UTF_8));
        }
        return documents;
    }

    /** The {@code result} JSON text of {@link #envelopes}: what a worker hands to the publisher. */
    public static List<String> results(int count, int targetBytes, long seed) {
        List<String> results = new ArrayList<>(count);
        for (byte[] envelope : envelopes(count, targetBytes, seed)) {
            String json = new String(envelope, StandardCharsets.UTF_8);
            results.add(json.substring(json.indexOf("\"result\":") + 9, json.length() - 1));
        }
        return results;
    }

    private static void value(StringBuilder out, Random random, int depth) {
        int kind = random.nextInt(depth < 2 ? 8 : 6);
        switch (kind) {
            case 0, 1 -> out.append('"').append(WORDS[random.nextInt(WORDS.length)]).append(' ')
                    .append(WORDS[random.nextInt(WORDS.length)]).append('"');
            case 2 -> out.append(random.nextInt(1_000_000));
            case 3 -> out.append(random.nextInt(10_000) / 100.0);
            case 4 -> out.append(random.nextBoolean());
            case 5 -> out.append(random.nextLong() >>> 12);
            case 6 -> {
                out.append('[');
                int n = 1 + random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    value(out, random, depth + 1);
                }
                out.append(']');
            }
            default -> {
                out.append('{');
                int n = 1 + random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    out.append('"').append(KEYS[random.nextInt(KEYS.length)]).append(i).append("\":");
                    value(out, random, depth + 1);
                }
                out.append('}');
            }
        }
    }
}
