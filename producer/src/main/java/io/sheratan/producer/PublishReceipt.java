package io.sheratan.producer;

/** Where an acknowledged result landed, and the mark it was published with. */
public record PublishReceipt(String jobId, String topic, int partition, long offset, String sha256) {
}
