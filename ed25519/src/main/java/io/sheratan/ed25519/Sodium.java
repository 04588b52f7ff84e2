package io.sheratan.ed25519;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.util.ArrayList;
import java.util.List;

/**
 * libsodium's Ed25519 verification through JNA direct mapping (one native call per signature, the
 * arrays copied in; no generated glue, no bundled binaries: the system's libsodium, Debian
 * {@code libsodium23}). Loaded once; {@link #load} says why not when it cannot be.
 *
 * <p>Why JNA and not lazysodium-java: the verifier needs one function. lazysodium wraps all of
 * libsodium, brings SLF4J and its own prebuilt libraries of its choosing; direct mapping to the
 * operating system's package keeps what runs the one the distribution patches.
 */
final class Sodium {

    /** Where to look, in order: {@code -Dsheratan.sodium.library=PATH}, then the names a Linux loader knows. */
    private static final List<String> CANDIDATES = List.of("sodium", "libsodium.so.23", "libsodium.so.26");

    private Sodium() {
    }

    static native int sodium_init();

    static native Pointer sodium_version_string();

    /** 0 when {@code sig} is a valid signature of {@code m[0..mlen)} under {@code pk}, else -1. */
    static native int crypto_sign_ed25519_verify_detached(byte[] sig, byte[] m, long mlen, byte[] pk);

    /** The loaded library's version, or the reason none could be loaded (then {@code version} is null). */
    record Load(String version, String library, String problem) {
        boolean loaded() {
            return version != null;
        }
    }

    /** Binds the natives above to the first library that loads and initializes. Call once. */
    static Load load() {
        List<String> candidates = new ArrayList<>();
        String configured = System.getProperty("sheratan.sodium.library");
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        } else {
            candidates.addAll(CANDIDATES);
        }
        List<String> problems = new ArrayList<>();
        for (String name : candidates) {
            try {
                NativeLibrary library = NativeLibrary.getInstance(name);
                Native.register(Sodium.class, library);
                if (sodium_init() < 0) {
                    problems.add(name + ": sodium_init failed");
                    Native.unregister(Sodium.class);
                    continue;
                }
                return new Load(sodium_version_string().getString(0), library.getFile() == null ? name : library.getFile().toString(), null);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | IllegalArgumentException e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        return new Load(null, null, "libsodium not loaded (" + String.join("; ", problems) + ")");
    }
}
