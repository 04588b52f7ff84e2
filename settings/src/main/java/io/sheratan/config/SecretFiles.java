package io.sheratan.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code *_FILE} form of the secret variables ({@code SHERATAN_RESULT_HMAC_KEY_FILE},
 * {@code SHERATAN_HUB_TOKEN_FILE}), as container platforms mount secrets: the file's content, without
 * one trailing line break, stands for the variable. Setting both forms is refused, naming both, and so is
 * a file that cannot be read; a secret never travels through the process list or {@code /proc/<pid>/environ}
 * this way.
 */
public final class SecretFiles {

    /** The variables that have a {@code _FILE} form. */
    public static final List<String> SECRETS = List.of("SHERATAN_RESULT_HMAC_KEY", "SHERATAN_HUB_TOKEN");
    public static final String SUFFIX = "_FILE";
    /** A secret file larger than this is a mistake (a key file is a few hundred bytes). */
    static final long MAX_BYTES = 64 * 1024;

    private SecretFiles() {
    }

    /** The environment with each {@code NAME_FILE} read into {@code NAME}. */
    public static Map<String, String> resolve(Map<String, String> env) {
        Map<String, String> resolved = null;
        for (String name : SECRETS) {
            String file = EnvParsers.get(env, name + SUFFIX);
            if (file == null) {
                continue;
            }
            if (EnvParsers.get(env, name) != null) {
                throw new ConfigException(name + SUFFIX, "set either " + name + " or " + name + SUFFIX + ", not both");
            }
            String value;
            try {
                // read at most one byte past the limit: a device or a pipe (/dev/zero) has no size to ask for
                byte[] bytes;
                try (java.io.InputStream in = Files.newInputStream(Path.of(file))) {
                    bytes = in.readNBytes((int) MAX_BYTES + 1);
                }
                if (bytes.length > MAX_BYTES) {
                    throw new ConfigException(name + SUFFIX, file + " is larger than " + MAX_BYTES + " bytes");
                }
                value = new String(bytes, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                if (e instanceof ConfigException c) {
                    throw c;
                }
                throw new ConfigException(name + SUFFIX, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            }
            if (value.endsWith("\n")) {
                value = value.substring(0, value.length() - (value.endsWith("\r\n") ? 2 : 1));
            }
            if (value.isEmpty()) {
                throw new ConfigException(name + SUFFIX, file + " is empty");
            }
            if (resolved == null) {
                resolved = new HashMap<>(env);
            }
            resolved.put(name, value);
        }
        return resolved == null ? env : resolved;
    }
}
