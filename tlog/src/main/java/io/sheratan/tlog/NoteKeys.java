package io.sheratan.tlog;

import io.sheratan.ed25519.Ed25519;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.io.IOException;

/**
 * Ed25519 keys in the {@code c2sp.org/signed-note} formats, as Go's {@code golang.org/x/mod/sumdb/note}
 * writes and reads them: the verifier key {@code <name>+<8 hex key ID>+<base64(0x01 || public key)>},
 * the key ID the first four bytes of {@code SHA-256(name || 0x0A || 0x01 || public key)}. The log's
 * private key lives in a PKCS#8 PEM file (as the workers' keys do), 0600.
 */
public final class NoteKeys {

    static final byte ALG_ED25519 = 0x01;
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");

    private NoteKeys() {
    }

    /**
     * A key that checks signatures of one name: a log's ({@code alg} 0x01, note signatures) or a
     * witness's ({@code alg} {@link Cosignature#ALG}, cosignatures).
     */
    public record Verifier(String name, int keyId, PublicKey key, byte[] raw, byte alg) {
        /** The note format, {@code name+hash+base64(alg || key)}. */
        public String encoded() {
            byte[] alg = new byte[1 + raw.length];
            alg[0] = this.alg;
            System.arraycopy(raw, 0, alg, 1, raw.length);
            return name + "+" + String.format("%08x", keyId) + "+" + Base64.getEncoder().encodeToString(alg);
        }
    }

    /** A key that signs notes under one name. */
    public record Signer(String name, int keyId, PrivateKey key, Verifier verifier) {
        public byte[] sign(byte[] message) {
            return Ed25519.sign(key, message);
        }
    }

    /** The 32-bit key ID of a name and an Ed25519 public key, for note signatures (type 0x01). */
    public static int keyId(String name, byte[] rawPublicKey) {
        return keyId(name, ALG_ED25519, rawPublicKey);
    }

    /** The 32-bit key ID of a name and an Ed25519 public key of signature type {@code alg}. */
    static int keyId(String name, byte alg, byte[] rawPublicKey) {
        MessageDigest sha = Merkle.sha256();
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(alg);
        sha.update(rawPublicKey);
        byte[] h = sha.digest();
        return ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
    }

    /** A name as signed-note allows it: non-empty, printable, no spaces and no '+'. */
    public static void checkName(String name) throws NoteException {
        if (name == null || name.isEmpty() || !name.codePoints().allMatch(c -> c > 0x20 && c != '+' && c != 0x7f && !Character.isISOControl(c) && !Character.isWhitespace(c))) {
            throw new NoteException("a note name must be non-empty and hold no spaces, '+' or control characters: '"
                    + Checkpoint.printable(String.valueOf(name)) + "'");
        }
    }

    /** Parses a verifier key {@code name+hash+base64(0x01 || key)}, checking its hash and its point. */
    public static Verifier parseVerifier(String encoded) throws NoteException {
        return parseVerifier(encoded, ALG_ED25519);
    }

    /** Parses a verifier key {@code name+hash+base64(alg || key)} of signature type {@code alg}. */
    static Verifier parseVerifier(String encoded, byte expectedAlg) throws NoteException {
        String text = encoded == null ? "" : encoded.strip();
        String[] parts = text.split("\\+", 3);
        if (parts.length != 3) {
            throw new NoteException("a verifier key is name+keyid+base64");
        }
        checkName(parts[0]);
        if (!parts[1].matches("[0-9a-f]{8}")) {
            throw new NoteException("the verifier key's ID is not 8 lowercase hex digits: '" + Checkpoint.printable(parts[1]) + "'");
        }
        byte[] alg;
        try {
            alg = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new NoteException("the verifier key is not base64");
        }
        if (alg.length == 0 || alg[0] != expectedAlg) {
            throw new NoteException(expectedAlg == ALG_ED25519
                    ? "the verifier key is not an Ed25519 log key (type 0x01)" + (alg.length > 0 && alg[0] == Cosignature.ALG ? ": it is a witness key (0x04)" : "")
                    : "the verifier key is not an Ed25519 witness key (type 0x04)" + (alg.length > 0 && alg[0] == ALG_ED25519 ? ": it is a log key (0x01)" : ""));
        }
        byte[] raw = Arrays.copyOfRange(alg, 1, alg.length);
        PublicKey key;
        try {
            key = Ed25519.admit(raw);
        } catch (Ed25519.KeyRefusedException e) {
            throw new NoteException("the verifier key is refused: " + e.getMessage());
        }
        int id = (int) Long.parseLong(parts[1], 16);
        if (id != keyId(parts[0], expectedAlg, raw)) {
            throw new NoteException("the verifier key's ID " + parts[1] + " does not match its name and key (expected "
                    + String.format("%08x", keyId(parts[0], expectedAlg, raw)) + ")");
        }
        return new Verifier(parts[0], id, key, raw, expectedAlg);
    }

    /** The signer for a 32-byte Ed25519 seed (the form Go's {@code PRIVATE+KEY+...} strings carry). */
    public static Signer fromSeed(String name, byte[] seed) throws GeneralSecurityException, NoteException {
        return fromSeed(name, seed, ALG_ED25519);
    }

    /** As {@link #fromSeed(String, byte[])} for a key of signature type {@code alg} (a witness's: {@link Cosignature#ALG}). */
    public static Signer fromSeed(String name, byte[] seed, byte alg) throws GeneralSecurityException, NoteException {
        checkName(name);
        if (seed.length != 32) {
            throw new GeneralSecurityException("an Ed25519 seed is 32 bytes, this one is " + seed.length);
        }
        byte[] der = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + 32);
        System.arraycopy(seed, 0, der, PKCS8_PREFIX.length, 32);
        PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] raw = publicFromSeed(seed);
        PublicKey pub;
        try {
            pub = Ed25519.admit(raw);
        } catch (Ed25519.KeyRefusedException e) {
            throw new GeneralSecurityException("derived public key refused: " + e.getMessage());
        }
        Verifier verifier = new Verifier(name, keyId(name, alg, raw), pub, raw, alg);
        return new Signer(name, verifier.keyId(), key, verifier);
    }

    /** The signer for a PKCS#8 PEM private key. */
    public static Signer fromPem(String name, String pem) throws GeneralSecurityException, NoteException {
        return fromPem(name, pem, ALG_ED25519);
    }

    /** The signer of signature type {@code alg} for a PKCS#8 PEM private key. */
    public static Signer fromPem(String name, String pem, byte alg) throws GeneralSecurityException, NoteException {
        PrivateKey key = Ed25519.privateKeyFromPem(pem);
        byte[] der = key.getEncoded();
        if (der.length < 48 || !Arrays.equals(Arrays.copyOf(der, PKCS8_PREFIX.length), PKCS8_PREFIX)) {
            throw new GeneralSecurityException("not an Ed25519 PKCS#8 private key");
        }
        return fromSeed(name, Arrays.copyOfRange(der, PKCS8_PREFIX.length, PKCS8_PREFIX.length + 32), alg);
    }

    /**
     * The public key of a seed: the JDK has no call for it, but its key-pair generator takes the seed
     * from the random source it is given, so a source that returns exactly the seed derives it.
     */
    private static byte[] publicFromSeed(byte[] seed) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
            }
        });
        KeyPair pair = generator.generateKeyPair();
        return Ed25519.raw(pair.getPublic());
    }

    /**
     * The log key in {@code file}; if the file does not exist, a new key is generated and written
     * there (0600) first. Returns the signer under {@code origin}.
     */
    public static Signer loadOrGenerate(Path file, String origin) throws IOException, GeneralSecurityException, NoteException {
        return loadOrGenerate(file, origin, ALG_ED25519);
    }

    /** As {@link #loadOrGenerate(Path, String)} for a key of signature type {@code alg} (a witness's: {@link Cosignature#ALG}). */
    public static Signer loadOrGenerate(Path file, String origin, byte alg) throws IOException, GeneralSecurityException, NoteException {
        checkName(origin);
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            throw new IOException(file + " is a symbolic link to a missing file: refusing to create a key through it");
        }
        if (!Files.exists(file)) {
            generate(file);
        }
        return fromPem(origin, Files.readString(file, StandardCharsets.US_ASCII), alg);
    }

    /**
     * Writes a new key to {@code file}: made 0600 from the start (never readable by others, not even
     * for a moment), through a temporary file created new and without following links, fsynced, then
     * linked into place without replacing anything (a key another process made first wins).
     */
    private static void generate(Path file) throws IOException, GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // a temporary name of this process's own: two first starts never touch each other's half-written key
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp." + ProcessHandle.current().pid() + "." + System.nanoTime());
        Files.deleteIfExists(tmp); // a leftover (or a planted link): removed, never followed
        java.util.Set<java.nio.file.OpenOption> options = java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        java.nio.file.attribute.FileAttribute<?>[] owner = file.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new java.nio.file.attribute.FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new java.nio.file.attribute.FileAttribute<?>[0];
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp, options, owner)) {
            java.nio.ByteBuffer pem = java.nio.ByteBuffer.wrap(Ed25519.privateKeyToPem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII));
            while (pem.hasRemaining()) {
                channel.write(pem);
            }
            channel.force(true);
        }
        try {
            Files.createLink(file, tmp);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another process generated the key first: use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (java.nio.channels.FileChannel d = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open directories
        }
    }
}
