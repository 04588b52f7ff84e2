# The Sheratan distribution: one image, one launcher; each service is a command
# (verifier, audit-sink, gateway, witness, topics). Built from source in a Maven stage.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# the poms first: their dependencies become a layer of their own, reused while only sources change
COPY pom.xml ./
COPY bom/pom.xml bom/
COPY jcs/pom.xml jcs/
COPY settings/pom.xml settings/
COPY ed25519/pom.xml ed25519/
COPY schemas/pom.xml schemas/
COPY integrity/pom.xml integrity/
COPY serdes/pom.xml serdes/
COPY tlog/pom.xml tlog/
COPY embedded-kafka/pom.xml embedded-kafka/
COPY test-support/pom.xml test-support/
COPY kafka-client/pom.xml kafka-client/
COPY service/pom.xml service/
COPY producer/pom.xml producer/
COPY verifier-stream/pom.xml verifier-stream/
COPY audit-sink/pom.xml audit-sink/
COPY witness/pom.xml witness/
COPY gateway/pom.xml gateway/
COPY cli/pom.xml cli/
COPY tools/pom.xml tools/
COPY clients/pom.xml clients/
RUN mvn -B -q -DskipTests -pl cli -am dependency:go-offline || true
COPY . .
RUN mvn -B -q -DskipTests package -pl cli -am

FROM eclipse-temurin:17-jre
# libsodium: Ed25519 verification at native speed (without it the services fall back to Bouncy Castle and say so)
RUN apt-get update && apt-get install -y --no-install-recommends libsodium23 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 sheratan && mkdir -p /data && chown sheratan /data
WORKDIR /app
COPY --from=build /src/cli/target/lib /app/lib
COPY --from=build /src/cli/target/sheratan-cli.jar /app/sheratan-cli.jar
USER sheratan
ENV SHERATAN_DATA_DIR=/data
# inside a container the services must be reachable from outside it (outside, the default is loopback)
ENV SHERATAN_BIND_ADDRESS=0.0.0.0
# extra JVM options, as the launcher takes them (e.g. -Xmx512m); JAVA_TOOL_OPTIONS works too
ENV SHERATAN_JAVA_OPTS=""
EXPOSE 8788 8789 8790 8791
# sh -c so that SHERATAN_JAVA_OPTS is split into options; exec so that java is PID 1 and gets SIGTERM
ENTRYPOINT ["sh", "-c", "exec java --enable-native-access=ALL-UNNAMED $SHERATAN_JAVA_OPTS -Dlog4j2.shutdownHookEnabled=false -cp '/app/sheratan-cli.jar:/app/lib/*' io.sheratan.cli.Main \"$@\"", "sheratan"]
CMD ["--help"]
