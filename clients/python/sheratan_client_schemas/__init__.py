"""The pipeline's Avro schemas, installed with sheratan_client (pip install): avro/*.avsc are the current
schemas and resources/avro-history/ every older one, laid out as in the repository (schemas/src/main/avro
and schemas/src/main/resources/avro-history), whose copies they are byte for byte (test_sheratan_client
checks it). sheratan_client reads them when SHERATAN_SCHEMAS_DIR is not set."""
