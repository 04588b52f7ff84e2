# The Sheratan distribution: one image, one launcher; each service is a command
# (verifier, audit-sink, gateway, topics). Built from source in a Maven stage.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl cli -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 sheratan && mkdir -p /data && chown sheratan /data
WORKDIR /app
COPY --from=build /src/cli/target/sheratan-cli.jar /app/sheratan-cli.jar
COPY --from=build /src/cli/target/lib /app/lib
USER sheratan
ENV SHERATAN_DATA_DIR=/data
# inside a container the services must be reachable from outside it (outside, the default is loopback)
ENV SHERATAN_BIND_ADDRESS=0.0.0.0
EXPOSE 8788 8789 8790
ENTRYPOINT ["java", "-Dlog4j2.shutdownHookEnabled=false", "-cp", "/app/sheratan-cli.jar:/app/lib/*", "io.sheratan.cli.Main"]
CMD ["--help"]
