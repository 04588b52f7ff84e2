package io.sheratan.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module house, as rules over every product class (the cli's classpath holds them all; tests
 * excluded): each module's package depends only on what its name says, no two top-level packages
 * import each other, and nothing reaches into another part's {@code internals}. Each rule names the
 * classes that break it.
 */
class ArchitectureTest {

    private static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        product = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/test-support/") && !location.contains("sheratan-test-support"))
                .importPackages("io.sheratan");
        // the rules below must see the modules they speak of
        assertThat(product.containPackage("io.sheratan.tlog")).isTrue();
        assertThat(product.containPackage("io.sheratan.verifier.internals")).isTrue();
        assertThat(product.containPackage("io.sheratan.ed25519")).isTrue();
    }

    private static void check(ArchRule rule) {
        rule.check(product);
    }

    /** The rules can fail: the importer sees real dependencies (the rule depends on the contract, so this rule is broken). */
    @Test
    void theRulesSeeRealDependencies() {
        ArchRule wrong = noClasses().that().resideInAPackage("io.sheratan.integrity..").should().dependOnClassesThat()
                .resideInAPackage("io.sheratan.envelope..");
        assertThat(wrong.evaluate(product).hasViolation()).isTrue();
    }

    @Test
    void noTwoTopLevelPackagesImportEachOther() {
        check(slices().matching("io.sheratan.(*)..").should().beFreeOfCycles());
    }

    @Test
    void theTransparencyLogNeedsNothingButEd25519AndTheJdk() {
        check(noClasses().that().resideInAPackage("io.sheratan.tlog..").should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.avro..", "com.fasterxml..", "org.apache.kafka..", "io.sheratan.avro..",
                        "io.sheratan.envelope..", "io.sheratan.integrity..", "io.sheratan.kafka..", "io.sheratan.config.."));
    }

    @Test
    void theEd25519AndSettingsModulesAreLeaves() {
        check(noClasses().that().resideInAPackage("io.sheratan.ed25519..").should().dependOnClassesThat()
                .resideOutsideOfPackages("io.sheratan.ed25519..", "java..", "javax..", "org.bouncycastle..", "com.sun.jna.."));
        check(noClasses().that().resideInAPackage("io.sheratan.config..").should().dependOnClassesThat()
                .resideOutsideOfPackages("io.sheratan.config..", "java.."));
    }

    @Test
    void theContractDoesNotDependOnTheRuleThatJudgesIt() {
        check(noClasses().that().resideInAnyPackage("io.sheratan.avro..", "io.sheratan.envelope..").should().dependOnClassesThat()
                .resideInAnyPackage("io.sheratan.integrity..", "io.sheratan.kafka..", "io.sheratan.http..", "io.sheratan.keys..",
                        "org.apache.kafka..", "org.eclipse.jetty.."));
    }

    @Test
    void theWorkerLibraryStaysLight() {
        check(noClasses().that().resideInAPackage("io.sheratan.producer..").should().dependOnClassesThat()
                .resideInAnyPackage("org.eclipse.jetty..", "org.apache.kafka.streams..", "io.micrometer..", "io.sheratan.http..",
                        "io.sheratan.keys..", "io.sheratan.metrics..", "io.sheratan.verifier..", "io.sheratan.audit..", "io.sheratan.tlog.."));
        check(noClasses().that().resideInAPackage("io.sheratan.kafka").should().dependOnClassesThat()
                .resideInAnyPackage("org.eclipse.jetty..", "io.micrometer..", "io.sheratan.integrity..", "io.sheratan.avro.."));
    }

    @Test
    void theGatewayDoesNotDependOnTheVerifierOrTheAuditSink() {
        check(noClasses().that().resideInAPackage("io.sheratan.gateway..").should().dependOnClassesThat()
                .resideInAnyPackage("io.sheratan.verifier..", "io.sheratan.audit..", "org.apache.kafka.streams.."));
    }

    @Test
    void nothingReachesIntoTheVerifiersInternals() {
        check(noClasses().that().resideOutsideOfPackage("io.sheratan.verifier..").should().dependOnClassesThat()
                .resideInAPackage("io.sheratan.verifier.internals.."));
    }

    @Test
    void productCodeNeverUsesTestSupport() {
        check(noClasses().should().dependOnClassesThat().resideInAnyPackage("io.sheratan.testing..", "org.junit..", "org.assertj.."));
    }
}
