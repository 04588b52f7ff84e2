package io.sheratan.verifier.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The proof's entry against the stored result: every member it vouches for, not the job and hash alone. */
class VerifierHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "ab".repeat(32);
    private static final String STORED = "{\"job_id\":\"J\",\"ok\":true,\"result\":\"{}\",\"error\":null,\"sha256\":\"" + SHA + "\",\"mode\":\"hmac\","
            + "\"key_id\":\"k1\",\"node_id\":null,\"verified_at\":1733361234567,\"source_partition\":2,\"source_offset\":41,"
            + "\"canonical_version\":1,\"node_attested\":false}";
    private static final String ENTRY = "{\"canonical_version\":1,\"event_id\":\"s/2/41\",\"event_type\":\"RESULT_VERIFIED\",\"job_id\":\"J\","
            + "\"key_id\":\"k1\",\"logged_from\":\"v/0/3\",\"mode\":\"hmac\",\"node_attested\":false,\"node_id\":null,\"sha256\":\"" + SHA + "\","
            + "\"source_offset\":41,\"source_partition\":2,\"source_topic\":\"s\",\"ts\":1733361234567,\"verified_at\":1733361234567}";

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void shouldAcceptTheEntryOfTheStoredResult() throws Exception {
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY))).isNull();
    }

    @Test
    void shouldNameTheMemberAForeignCopyChanged() throws Exception {
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"mode\":\"hmac\"", "\"mode\":\"ed25519\"")))).isEqualTo("mode");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"key_id\":\"k1\"", "\"key_id\":\"forged\"")))).isEqualTo("key_id");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"node_id\":null", "\"node_id\":\"n\"")))).isEqualTo("node_id");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"node_attested\":false", "\"node_attested\":true"))))
                .isEqualTo("node_attested");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"source_offset\":41", "\"source_offset\":\"41\""))))
                .as("a string is not the number").isEqualTo("source_offset");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace("\"verified_at\":1733361234567", "\"verified_at\":1"))))
                .isEqualTo("verified_at");
        assertThat(VerifierHttp.mismatch(json(STORED), json(ENTRY.replace(SHA, "cd".repeat(32))))).isEqualTo("sha256");
    }

    @Test
    void shouldCompareAnEarlierReleasesEntryOnTheMembersItHasButNeverWithoutTheJobAndHash() throws Exception {
        String earlier = ENTRY.replace("\"canonical_version\":1,", "").replace("\"node_attested\":false,", "");
        assertThat(VerifierHttp.mismatch(json(STORED), json(earlier))).isNull();
        assertThat(VerifierHttp.mismatch(json(STORED), json(earlier.replace("\"job_id\":\"J\",", "")))).isEqualTo("job_id");
    }

    @Test
    void shouldAskForAnEarlierReleasesFlatJsonResultWithTheMembersItsEntryStates() throws Exception {
        String earlier = STORED.replace(",\"canonical_version\":1,\"node_attested\":false", ""); // written before those members
        JsonNode stored = VerifierHttp.throughSchema(earlier.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                io.sheratan.avro.codec.AvroCodec.verifiedResults());
        String query = VerifierHttp.proofQuery("J/1", stored);
        assertThat(query).startsWith("/audit/proof?job_id=J%2F1&sha256=" + SHA + "&mode=hmac&key_id=k1&canonical_version=0&node_attested=false"
                + "&source_partition=2&source_offset=41&verified_at=1733361234567");
        assertThat(query).as("a null member is left out").doesNotContain("node_id");
        String entry = ENTRY.replace("\"canonical_version\":1", "\"canonical_version\":0");
        assertThat(VerifierHttp.mismatch(stored, json(entry))).as("the sink's entry of it states the defaults").isNull();
    }
}
