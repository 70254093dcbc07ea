import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startRegistry, type Registry } from "@openmcp-ts/testenv";
import {
  credentialsFromDockerConfig,
  ImageResolveError,
  registryLocation,
  resolveImageDigest,
} from "./resolve-image-digest.ts";

describe("registryLocation", () => {
  it("applies docker.io's defaults and keeps other registries as they are", () => {
    assert.deepEqual(registryLocation("nginx"), {
      registry: "registry-1.docker.io",
      repository: "library/nginx",
      tag: "latest",
    });
    assert.deepEqual(registryLocation("docker.io/org/x:v1"), {
      registry: "registry-1.docker.io",
      repository: "org/x",
      tag: "v1",
    });
    assert.deepEqual(registryLocation("ghcr.io/openmcp-project/images/sp:v1.0.0"), {
      registry: "ghcr.io",
      repository: "openmcp-project/images/sp",
      tag: "v1.0.0",
    });
    assert.deepEqual(registryLocation("127.0.0.1:5000/a/b:c"), {
      registry: "127.0.0.1:5000",
      repository: "a/b",
      tag: "c",
    });
  });
});

describe("credentialsFromDockerConfig", () => {
  it("reads username/password and auth entries, by host", () => {
    const json = JSON.stringify({
      auths: {
        "https://ghcr.io": { username: "u", password: "p" },
        "127.0.0.1:5000": { auth: Buffer.from("me:se:cret").toString("base64") },
      },
    });
    assert.deepEqual(credentialsFromDockerConfig(json, "ghcr.io"), { username: "u", password: "p" });
    assert.deepEqual(credentialsFromDockerConfig(json, "127.0.0.1:5000"), {
      username: "me",
      password: "se:cret",
    });
    assert.equal(credentialsFromDockerConfig(json, "quay.io"), undefined);
    assert.equal(credentialsFromDockerConfig("not json", "quay.io"), undefined);
  });
});

/** Against a real registry (CNCF distribution on loopback, TLS, bearer token auth). */
describe("resolveImageDigest (real registry)", () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry({ auth: true, progress: () => undefined });
  });
  after(async () => {
    await registry?.stop();
  });
  const creds = () => ({ username: registry.username, password: registry.password });

  it("resolves a tag to the digest the registry serves, through the bearer token flow", async () => {
    const pushed = await registry.pushImage("providers/sp", "v1", "one");
    let requests = 0;
    const resolved = await resolveImageDigest(`${registry.host}/providers/sp:v1`, {
      ca: registry.caCert,
      credentials: (host) => (host === registry.host ? creds() : undefined),
      onRequest: () => requests++,
    });
    assert.equal(resolved.digest, pushed);
    assert.equal(resolved.image, `${registry.host}/providers/sp@${pushed}`);
    assert.equal(requests, 3, "HEAD (401), token, HEAD");
  });

  it("follows a moved tag, keeps a multi-arch index's own digest, and uses a digest as it is", async () => {
    const first = await registry.pushImage("providers/moving", "v1", "first");
    const second = await registry.pushImage("providers/moving", "v1", "second");
    assert.notEqual(first, second);
    const options = { ca: registry.caCert, credentials: creds };
    assert.equal((await resolveImageDigest(`${registry.host}/providers/moving:v1`, options)).digest, second);
    const index = await registry.pushIndex("providers/moving", "multi", [first, second]);
    assert.equal(
      (await resolveImageDigest(`${registry.host}/providers/moving:multi`, options)).digest,
      index,
    );
    const pinned = `${registry.host}/providers/moving@${first}`;
    assert.deepEqual(
      await resolveImageDigest(pinned, { onRequest: () => assert.fail("no request for a digest") }),
      {
        digest: first,
        image: pinned,
      },
    );
  });

  it("says what failed: no or wrong credentials, unknown tag, untrusted CA, registry down", async () => {
    await registry.pushImage("providers/private", "v1");
    const image = `${registry.host}/providers/private:v1`;
    const fails = async (p: Promise<unknown>, kind: string, message: RegExp) => {
      const err = await p.then(
        () => assert.fail("resolved"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ImageResolveError, String(err));
      assert.equal(err.kind, kind);
      assert.match(err.message, message);
    };
    await fails(
      resolveImageDigest(image, { ca: registry.caCert }),
      "unauthorized",
      /refused a token .*no pull secret has credentials/,
    );
    await fails(
      resolveImageDigest(image, {
        ca: registry.caCert,
        credentials: () => ({ username: "x", password: "y" }),
      }),
      "unauthorized",
      /with the credentials of the pull secret/,
    );
    await fails(
      resolveImageDigest(`${registry.host}/providers/private:v9`, {
        ca: registry.caCert,
        credentials: creds,
      }),
      "not-found",
      /has no tag v9/,
    );
    await fails(
      resolveImageDigest(image, { credentials: creds }),
      "unreachable",
      /unreachable: .*certificate/,
    );
    const down = await startRegistry({ progress: () => undefined });
    const host = down.host;
    await down.stop();
    await fails(resolveImageDigest(`${host}/x:v1`, { ca: registry.caCert }), "unreachable", /ECONNREFUSED/);
  });
});
