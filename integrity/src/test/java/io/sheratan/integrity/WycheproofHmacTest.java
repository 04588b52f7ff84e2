package io.sheratan.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.testing.Conformance;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 174 Wycheproof HMAC-SHA256 cases. Marks are always full-length tags, so a truncated tag group
 * checks two things: our MAC's prefix matches the valid tags, and a truncated tag is never accepted
 * as a mark.
 */
class WycheproofHmacTest {

    @Test
    void shouldAgreeWithEveryWycheproofCase() throws Exception {
        JsonNode suite = new ObjectMapper().readTree(
                Conformance.dir().resolve("hmac").resolve("wycheproof_hmac_sha256_test.json").toFile());
        HexFormat hex = HexFormat.of();
        int cases = 0;
        for (JsonNode group : suite.get("testGroups")) {
            int tagBytes = group.get("tagSize").asInt() / 8;
            for (JsonNode test : group.get("tests")) {
                cases++;
                byte[] key = hex.parseHex(test.get("key").asText());
                byte[] msg = hex.parseHex(test.get("msg").asText());
                String tag = test.get("tag").asText();
                boolean valid = "valid".equals(test.get("result").asText());
                byte[] mac = Marks.hmacSha256(key, msg);
                String id = "tcId " + test.get("tcId").asInt() + " (tagSize " + tagBytes * 8 + ")";

                boolean prefixMatches = hex.formatHex(Arrays.copyOf(mac, tagBytes)).equals(tag);
                assertThat(prefixMatches).as(id).isEqualTo(valid);
                boolean acceptedAsMark = Marks.constantTimeEquals(hex.formatHex(mac), tag);
                assertThat(acceptedAsMark).as(id).isEqualTo(valid && tagBytes == 32);
            }
        }
        assertThat(cases).isEqualTo(suite.get("numberOfTests").asInt()).isEqualTo(174);
    }
}
