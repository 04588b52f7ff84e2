package io.sheratan.canonical;

import io.sheratan.canonical.StrictJsonException.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per strict-profile rule of DESIGN.md section 3.2, and the canonical forms that must pass. */
class StrictProfileTest {

    private final JsonCanonicalizer canonicalizer = new JsonCanonicalizer(CanonicalLimits.DEFAULTS);

    private String canon(String json) {
        return new String(canonicalizer.apply(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private void assertRejected(byte[] json, Rule rule) {
        assertThatThrownBy(() -> canonicalizer.apply(json))
                .isInstanceOf(StrictJsonException.class)
                .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(rule));
    }

    private void assertRejected(String json, Rule rule) {
        assertRejected(json.getBytes(StandardCharsets.UTF_8), rule);
    }

    @Test
    void shouldRejectDuplicateMemberNames() {
        assertRejected("{\"a\":1,\"a\":2}", Rule.DUPLICATE_NAME);
        assertRejected("{\"b\":1,\"a\":2,\"b\":3}", Rule.DUPLICATE_NAME); // duplicates that are not adjacent
        assertRejected("{\"a\":1,\"\\u0061\":2}", Rule.DUPLICATE_NAME); // same name, other spelling
    }

    @Test
    void shouldNameThePathOfADuplicate() {
        assertThatThrownBy(() -> canon("{\"x\":{\"a\":1,\"a\":2}}"))
                .hasMessageContaining("$.x.a")
                .satisfies(e -> assertThat(((StrictJsonException) e).detail()).doesNotContain("x.a"));
    }

    @Test
    void shouldRejectEscapedLoneSurrogates() {
        assertRejected("\"\\ud800\"", Rule.LONE_SURROGATE);
        assertRejected("\"\\udc00\"", Rule.LONE_SURROGATE);
        assertRejected("\"\\ud800\\u0041\"", Rule.LONE_SURROGATE);
    }

    @Test
    void shouldRejectRawSurrogatesEncodedInUtf8() {
        // ED A0 80 is U+D800 written as if it were a character: not valid UTF-8
        assertRejected(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, Rule.INVALID_UTF8);
    }

    @Test
    void shouldRejectInvalidUtf8() {
        assertRejected(new byte[] {'"', (byte) 0xC3, '"'}, Rule.INVALID_UTF8); // truncated
        assertRejected(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}, Rule.INVALID_UTF8); // overlong
        assertRejected(new byte[] {'"', (byte) 0xFF, '"'}, Rule.INVALID_UTF8);
        assertRejected(new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, Rule.INVALID_UTF8); // > U+10FFFF
    }

    @Test
    void shouldRejectIntegersThatAreNotExactDoubles() {
        assertRejected("9007199254740993", Rule.INEXACT_INTEGER);
        assertRejected("[-9007199254740993]", Rule.INEXACT_INTEGER);
        assertRejected("100000000000000000000000", Rule.INEXACT_INTEGER);
        assertThat(canon("9007199254740992")).isEqualTo("9007199254740992");
        assertThat(canon("9007199254740993.0")).as("not an integer literal: rounds like any number").isEqualTo("9007199254740992");
    }

    @Test
    void shouldRejectNumbersThatOverflow() {
        assertRejected("1e400", Rule.NUMBER_OVERFLOW);
        assertRejected("-1.8e308", Rule.NUMBER_OVERFLOW);
        assertThat(canon("1.7976931348623157e308")).isEqualTo("1.7976931348623157e+308");
    }

    @Test
    void shouldRejectNestingPastTheLimit() {
        JsonCanonicalizer shallow = new JsonCanonicalizer(new CanonicalLimits(1024, 3));
        assertThat(shallow.apply("[[[1]]]".getBytes(StandardCharsets.UTF_8))).isEqualTo("[[[1]]]".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> shallow.apply("[[[[1]]]]".getBytes(StandardCharsets.UTF_8)))
                .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(Rule.TOO_DEEP));
        assertThatThrownBy(() -> shallow.apply("{\"a\":{\"b\":{\"c\":{}}}}".getBytes(StandardCharsets.UTF_8)))
                .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(Rule.TOO_DEEP));
    }

    @Test
    void shouldRejectAHundredThousandDeepNestingWithoutOverflowingTheStack() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertRejected(deep, Rule.TOO_DEEP);
    }

    @Test
    void shouldRejectTrailingBytes() {
        assertRejected("{} {}", Rule.TRAILING_BYTES);
        assertRejected("1 2", Rule.TRAILING_BYTES);
        assertRejected("{}x", Rule.TRAILING_BYTES);
    }

    @Test
    void shouldRejectOversizeDocuments() {
        JsonCanonicalizer small = new JsonCanonicalizer(new CanonicalLimits(16, 8));
        assertThatThrownBy(() -> small.apply("\"0123456789abcdef\"".getBytes(StandardCharsets.UTF_8)))
                .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(Rule.TOO_LARGE));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"a\":1,}", "[1,]", "{\"a\" 1}", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "\"\\x\"", "[tru]",
            "nul", "{'a':1}", "\"a\tb\"", "[NaN]", "[Infinity]", "``", "`   `", "{\"a\":1", "\"abc"})
    void shouldRejectWhatIsNotJson(String json) {
        assertRejected(json == null ? "" : json, Rule.SYNTAX);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{ \"b\" : 1 ,\t \"a\" : 2 }|{\"a\":2,\"b\":1}",
            "1.0|1",
            "1.50|1.5",
            "-0|0",
            "-0.0e10|0",
            "1e21|1e+21",
            "1e20|100000000000000000000",
            "123456789012345e6|123456789012345000000",
            "0.000001|0.000001",
            "0.0000001|1e-7",
            "1E-7|1e-7",
            "12.5e-3|0.0125",
            "\"\\u0041\\/\"|\"A/\"",
            "\"\\u001f\\u00e9\\n\"|\"\\u001fé\\n\"",
            "[true,false,null]|[true,false,null]",
            "{\"\\u20ac\":1,\"\\r\":2,\"1\":3}|{\"\\r\":2,\"1\":3,\"€\":1}",
            "{\"\\ud83d\\ude02\":1,\"\\ufb33\":2}|{\"\uD83D\uDE02\":1,\"\uFB33\":2}",
            "0.1|0.1",
            "0.30000000000000004|0.30000000000000004",
            "5e-324|5e-324",
            "1e-400|0"})
    void shouldWriteTheCanonicalForm(String input, String expected) {
        assertThat(canon(input)).isEqualTo(expected);
    }

    @Test
    void shouldSortManyMembersByUtf16CodeUnits() {
        StringBuilder json = new StringBuilder("{");
        for (int i = 999; i >= 0; i--) {
            json.append(i == 999 ? "" : ",").append('"').append(String.format("k%04d", i)).append("\":").append(i);
        }
        json.append('}');
        String canonical = canon(json.toString());
        assertThat(canonical).startsWith("{\"k0000\":0,\"k0001\":1,").endsWith("\"k0999\":999}");
    }

    @Test
    void shouldKeepTopLevelMemberPositionsAfterSorting() {
        CanonicalObject object = canonicalizer.applyToObject(
                "{\"z\":[1, 2],\"a\":{\"y\":1,\"x\":2},\"m\":\"s\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(object.members()).extracting(CanonicalObject.Member::name).containsExactly("a", "m", "z");
        assertThat(new String(object.valueBytes(object.member("a").orElseThrow()), StandardCharsets.UTF_8)).isEqualTo("{\"x\":2,\"y\":1}");
        assertThat(object.stringValue(object.member("m").orElseThrow())).isEqualTo("s");
        assertThat(new String(object.valueBytes(object.member("z").orElseThrow()), StandardCharsets.UTF_8)).isEqualTo("[1,2]");
    }
}
