package io.sheratan.integrity;

import io.sheratan.ed25519.Ed25519;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.envelope.Claims;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys and gateway tokens of DESIGN.md section 3c, from one JSON file, validated whole: a file
 * with any problem is refused as a whole (the message names the entry and the problem), so a
 * half-valid keyring never takes effect. Windows ({@code not_before}, {@code not_after}) are checked
 * against the record's time, never the wall clock, so reprocessing gives the same verdicts.
 *
 * <p>Without a file, {@link #legacy} makes the keyring of one HMAC key and one token from the old
 * single-secret variables. Secrets never appear in {@link #summary()} or {@link #toString()}.
 */
public final class Keyring {

    /** The key algorithms, named as in the file, each verifying one mode. */
    public enum Alg {
        HMAC_SHA256("hmac-sha256", Mode.HMAC),
        ED25519("ed25519", Mode.ED25519);

        private final String code;
        private final Mode mode;

        Alg(String code, Mode mode) {
            this.code = code;
            this.mode = mode;
        }

        public String code() {
            return code;
        }

        public Mode mode() {
            return mode;
        }

        static Optional<Alg> parse(String code) {
            for (Alg alg : values()) {
                if (alg.code.equals(code)) {
                    return Optional.of(alg);
                }
            }
            return Optional.empty();
        }
    }

    /** One key; {@code secret} for hmac, {@code publicKey} for ed25519; null bounds and nodes are open. */
    public record Key(String keyId, Alg alg, byte[] secret, PublicKey publicKey, Set<String> nodes, Long notBefore, Long notAfter) {

        /** {@code t} lies in {@code [not_before, not_after)}. */
        public boolean validAt(long t) {
            return (notBefore == null || t >= notBefore) && (notAfter == null || t < notAfter);
        }

        /** No node list, or {@code nodeId} is on it. */
        public boolean allowsNode(String nodeId) {
            return nodes == null || (nodeId != null && nodes.contains(nodeId));
        }

        @Override
        public String toString() {
            return "Key[" + keyId + ", " + alg.code + ", nodes=" + nodes + ", window=[" + notBefore + ", " + notAfter + ")]";
        }
    }

    /** A gateway token: only the SHA-256 of its UTF-8 bytes is kept. */
    public record Token(String tokenId, byte[] sha256, Long notBefore, Long notAfter) {
        public boolean validAt(long t) {
            return (notBefore == null || t >= notBefore) && (notAfter == null || t < notAfter);
        }

        @Override
        public String toString() {
            return "Token[" + tokenId + ", window=[" + notBefore + ", " + notAfter + ")]";
        }
    }

    /** A keyring file that cannot be used; the message names the entry and the problem, never a secret. */
    public static final class KeyringException extends Exception {
        public KeyringException(String message) {
            super(message);
        }
    }

    /** A keyring file whose bytes differed between two reads: it is being written; read it again later. */
    public static final class ChangingFileException extends IOException {
        public ChangingFileException() {
            super("it changed while it was read (being written?); read it again when it is complete");
        }
    }

    public static final int MIN_HMAC_SECRET_BYTES = 32;
    /** Hmac keys without {@code nodes} valid at one instant, at most: what a v1 mark without key_id may cost. */
    public static final int MAX_UNBOUND_HMAC_KEYS = 8;
    /** The largest keyring file read (1 MiB: thousands of keys; admission costs ~0.2 ms an Ed25519 key). */
    public static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final Pattern ID = Pattern.compile("[\\x21-\\x7E]{1,256}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build());
    }

    private final Map<String, Key> keys;
    private final List<Token> tokens;
    private final String digest;
    private final boolean anyKeyIdForV1;

    private Keyring(Map<String, Key> keys, List<Token> tokens, String digest, boolean anyKeyIdForV1) {
        this.keys = keys;
        this.tokens = tokens;
        this.digest = digest;
        this.anyKeyIdForV1 = anyKeyIdForV1;
    }

    /**
     * True for the keyring of the single-key variables without {@code SHERATAN_RESULT_HMAC_KEY_ID}:
     * as before keyrings, a version 1 mark's {@code key_id} is then not checked (any name, one key).
     */
    public boolean acceptsAnyKeyIdForV1() {
        return anyKeyIdForV1;
    }

    /** The SHA-256 of the file (lowercase hex), or of the legacy settings' description. */
    public String digest() {
        return digest;
    }

    public Optional<Key> key(String keyId) {
        return Optional.ofNullable(keyId == null ? null : keys.get(keyId));
    }

    public List<Key> keys() {
        return List.copyOf(keys.values());
    }

    public List<Token> tokens() {
        return tokens;
    }

    /** Every hmac key valid at {@code t}: what a v1 hmac mark without {@code key_id} is checked against. */
    public List<Key> hmacKeysValidAt(long t) {
        List<Key> valid = new ArrayList<>();
        for (Key key : keys.values()) {
            if (key.alg == Alg.HMAC_SHA256 && key.validAt(t)) {
                valid.add(key);
            }
        }
        return valid;
    }

    /**
     * The token that {@code presented} hashes to, if it is valid at {@code now}. Every token is
     * compared, in constant time, whatever matched first, so timing says nothing about which.
     */
    public Optional<Token> token(String presented, long now) {
        if (presented == null) {
            return Optional.empty();
        }
        byte[] hash = Marks.sha256(presented.getBytes(StandardCharsets.UTF_8));
        Token found = null;
        for (Token token : tokens) {
            if (MessageDigest.isEqual(hash, token.sha256) && found == null) {
                found = token;
            }
        }
        return found != null && found.validAt(now) ? Optional.of(found) : Optional.empty();
    }

    /** Key and token ids with their windows, as JSON: what {@code KEYRING_APPLIED} and {@code keys check} show. */
    public String summary() {
        ObjectNode root = JSON.createObjectNode();
        root.put("digest", digest);
        ArrayNode keyList = root.putArray("keys");
        for (Key key : keys.values()) {
            ObjectNode k = keyList.addObject();
            k.put("key_id", key.keyId);
            k.put("alg", key.alg.code);
            if (key.nodes != null) {
                key.nodes.forEach(k.putArray("nodes")::add);
            }
            k.put("not_before", key.notBefore);
            k.put("not_after", key.notAfter);
        }
        ArrayNode tokenList = root.putArray("tokens");
        for (Token token : tokens) {
            ObjectNode t = tokenList.addObject();
            t.put("token_id", token.tokenId);
            t.put("not_before", token.notBefore);
            t.put("not_after", token.notAfter);
        }
        return root.toString();
    }

    @Override
    public String toString() {
        return "Keyring[" + digest.substring(0, 12) + ", keys=" + keys.values() + ", tokens=" + tokens + "]";
    }

    // ------------------------------------------------------------------ building one

    /** The keyring of one HMAC key (any length, as before) and one token, from the single-secret variables. */
    public static Keyring legacy(byte[] hmacKey, String keyId, String token) {
        Map<String, Key> keys = new LinkedHashMap<>();
        StringBuilder description = new StringBuilder("legacy");
        if (hmacKey != null) {
            String id = keyId != null ? keyId : "legacy-hmac";
            keys.put(id, new Key(id, Alg.HMAC_SHA256, hmacKey.clone(), null, null, null, null));
            description.append(";hmac:").append(id).append(':').append(Marks.sha256Hex(hmacKey));
        }
        List<Token> tokens = new ArrayList<>();
        if (token != null) {
            byte[] hash = Marks.sha256(token.getBytes(StandardCharsets.UTF_8));
            tokens.add(new Token("legacy-token", hash, null, null));
            description.append(";token:").append(HexFormat.of().formatHex(hash));
        }
        return new Keyring(keys, List.copyOf(tokens), Marks.sha256Hex(description.toString().getBytes(StandardCharsets.UTF_8)),
                keyId == null);
    }

    /**
     * Reads a keyring file's bytes as every service and command does: a regular file (a symbolic link
     * to one is followed, as Kubernetes mounts them; a FIFO, device or directory is refused before it
     * is opened, so nothing waits on it), at most {@link #MAX_FILE_BYTES}, read twice with the same
     * bytes (a file read while it is being written is refused, not half-applied).
     */
    public static byte[] readFile(Path file) throws IOException {
        byte[] first = readOnce(file);
        byte[] second = readOnce(file);
        if (!Arrays.equals(first, second)) {
            throw new ChangingFileException();
        }
        return first;
    }

    private static byte[] readOnce(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file (" + (attributes.isDirectory() ? "a directory" : "a FIFO, socket or device")
                    + "): a keyring must be a file");
        }
        if (attributes.size() > MAX_FILE_BYTES) {
            throw new IOException("larger than " + MAX_FILE_BYTES + " bytes (" + attributes.size() + ")");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            return bytes;
        }
    }

    /** {@link #readFile} then {@link #parse}. */
    public static Keyring read(Path file) throws IOException, KeyringException {
        return parse(readFile(file));
    }

    /**
     * Parses and validates a keyring file's bytes; refuses the whole file on any problem. Exactly one
     * JSON document: anything after it (a merge conflict's {@code <<<<<<<}, a second object) is refused.
     */
    public static Keyring parse(byte[] file) throws KeyringException {
        if (file.length > MAX_FILE_BYTES) {
            throw new KeyringException("the keyring file is larger than " + MAX_FILE_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file);
        } catch (Exception e) {
            throw new KeyringException("not one JSON document (bytes after it, not JSON, or a member name repeated): "
                    + e.getClass().getSimpleName());
        }
        if (root == null || !root.isObject()) {
            throw new KeyringException("the keyring must be a JSON object with \"keys\" and \"tokens\"");
        }
        for (var names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("keys") && !name.equals("tokens")) {
                throw new KeyringException("unknown member \"" + printable(name) + "\" (expected keys and tokens)");
            }
        }
        Map<String, Key> keys = new LinkedHashMap<>();
        JsonNode keyArray = root.path("keys");
        if (!keyArray.isMissingNode() && !keyArray.isArray()) {
            throw new KeyringException("\"keys\" must be an array");
        }
        int i = 0;
        for (JsonNode node : keyArray) {
            Key key = key(node, "keys[" + i++ + "]");
            if (keys.putIfAbsent(key.keyId, key) != null) {
                throw new KeyringException("key_id " + key.keyId + " appears twice");
            }
        }
        checkUnboundHmacKeys(keys.values());
        List<Token> tokens = new ArrayList<>();
        Set<String> tokenIds = new LinkedHashSet<>();
        JsonNode tokenArray = root.path("tokens");
        if (!tokenArray.isMissingNode() && !tokenArray.isArray()) {
            throw new KeyringException("\"tokens\" must be an array");
        }
        i = 0;
        for (JsonNode node : tokenArray) {
            Token token = token(node, "tokens[" + i++ + "]");
            if (!tokenIds.add(token.tokenId)) {
                throw new KeyringException("token_id " + token.tokenId + " appears twice");
            }
            tokens.add(token);
        }
        return new Keyring(keys, List.copyOf(tokens), Marks.sha256Hex(file), false);
    }

    /**
     * A v1 hmac mark without {@code key_id} is tried against every hmac key without {@code nodes}
     * valid at the record's time: at most {@value #MAX_UNBOUND_HMAC_KEYS} such keys may be valid at
     * the same instant, so one record never costs more than that many HMACs (rotation needs two).
     */
    private static void checkUnboundHmacKeys(Iterable<Key> keys) throws KeyringException {
        List<long[]> edges = new ArrayList<>(); // {time, +1 start / -1 end}
        for (Key key : keys) {
            if (key.alg == Alg.HMAC_SHA256 && key.nodes == null) {
                edges.add(new long[] {key.notBefore == null ? Long.MIN_VALUE : key.notBefore, 1});
                edges.add(new long[] {key.notAfter == null ? Long.MAX_VALUE : key.notAfter, -1});
            }
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1])); // ends before starts: [nb, na)
        int valid = 0;
        for (long[] edge : edges) {
            valid += (int) edge[1];
            if (valid > MAX_UNBOUND_HMAC_KEYS) {
                throw new KeyringException(valid + " hmac-sha256 keys without nodes are valid at the same time"
                        + (edge[0] == Long.MIN_VALUE ? "" : " (from " + edge[0] + ")") + "; at most " + MAX_UNBOUND_HMAC_KEYS
                        + " are allowed (a v1 mark without key_id is tried against each): give them windows or nodes");
            }
        }
    }

    private static Key key(JsonNode node, String where) throws KeyringException {
        if (!node.isObject()) {
            throw new KeyringException(where + " must be an object");
        }
        String keyId = id(node, "key_id", where);
        where = where + " (" + keyId + ")";
        String algText = text(node, "alg", where, true);
        Alg alg = Alg.parse(algText).orElseThrow(() -> new KeyringException(
                "unknown alg '" + printable(algText) + "' (expected hmac-sha256 or ed25519)"));
        Long notBefore = time(node, "not_before", where);
        Long notAfter = time(node, "not_after", where);
        if (notBefore != null && notAfter != null && notBefore >= notAfter) {
            throw new KeyringException(where + ": not_before must be before not_after");
        }
        Set<String> nodes = null;
        if (node.has("nodes")) {
            JsonNode list = node.get("nodes");
            if (!list.isArray() || list.isEmpty()) {
                throw new KeyringException(where + ": nodes must be a non-empty array of node ids");
            }
            nodes = new LinkedHashSet<>();
            for (JsonNode n : list) {
                if (!n.isTextual() || !Claims.isNodeId(n.asText())) {
                    throw new KeyringException(where + ": nodes holds something that is not a node id (1..128 of [A-Za-z0-9._:@/-])");
                }
                nodes.add(n.asText());
            }
            nodes = Set.copyOf(nodes);
        }
        if (alg == Alg.HMAC_SHA256) {
            if (node.has("public_key")) {
                throw new KeyringException(where + ": an hmac-sha256 key has a secret, not a public_key");
            }
            byte[] secret = base64(node, "secret", where);
            if (secret.length < MIN_HMAC_SECRET_BYTES) {
                throw new KeyringException(where + ": the secret is " + secret.length + " bytes, at least " + MIN_HMAC_SECRET_BYTES + " are required");
            }
            return new Key(keyId, alg, secret, null, nodes, notBefore, notAfter);
        }
        if (node.has("secret")) {
            throw new KeyringException(where + ": an ed25519 entry holds the public_key only, never a secret");
        }
        byte[] raw = base64(node, "public_key", where);
        try {
            return new Key(keyId, alg, null, Ed25519.admit(raw), nodes, notBefore, notAfter);
        } catch (Ed25519.KeyRefusedException e) {
            throw new KeyringException(where + ": public_key refused: " + e.getMessage());
        }
    }

    private static Token token(JsonNode node, String where) throws KeyringException {
        if (!node.isObject()) {
            throw new KeyringException(where + " must be an object");
        }
        String tokenId = id(node, "token_id", where);
        where = where + " (" + tokenId + ")";
        String sha = text(node, "sha256", where, true);
        if (!sha.matches("[0-9a-f]{64}")) {
            throw new KeyringException(where + ": sha256 must be 64 lowercase hex digits (the SHA-256 of the token)");
        }
        Long notBefore = time(node, "not_before", where);
        Long notAfter = time(node, "not_after", where);
        if (notBefore != null && notAfter != null && notBefore >= notAfter) {
            throw new KeyringException(where + ": not_before must be before not_after");
        }
        return new Token(tokenId, HexFormat.of().parseHex(sha), notBefore, notAfter);
    }

    private static String id(JsonNode node, String name, String where) throws KeyringException {
        String id = text(node, name, where, true);
        if (!ID.matcher(id).matches()) {
            throw new KeyringException(where + ": " + name + " must be 1..256 printable ASCII characters without spaces");
        }
        return id;
    }

    private static String text(JsonNode node, String name, String where, boolean required) throws KeyringException {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw new KeyringException(where + ": " + name + " is missing");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new KeyringException(where + ": " + name + " must be a string");
        }
        return value.asText();
    }

    private static Long time(JsonNode node, String name, String where) throws KeyringException {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw new KeyringException(where + ": " + name + " must be milliseconds since the epoch (a non-negative integer)");
        }
        return value.asLong();
    }

    private static byte[] base64(JsonNode node, String name, String where) throws KeyringException {
        String text = text(node, name, where, true);
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new KeyringException(where + ": " + name + " is not base64");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
