package io.sheratan.verifier.internals;

/**
 * The names of the verifier's state stores, which its changelog and the query API depend on: never
 * rename them. Here, below the topology and the processors that both use them, so that neither
 * imports the other ({@code VerifierTopology} re-exports them for the query side).
 */
public final class StoreNames {

    /** The queryable table of verified results, over the verified topic. */
    public static final String TABLE = "verified-results";
    /** The dedup store: job id → core SHA-256 and verification time (its changelog is named after it). */
    public static final String DEDUP = "verified-ids";

    private StoreNames() {
    }
}
