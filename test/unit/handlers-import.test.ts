// Handler modules build nothing when imported (build.mjs's entry builds the handler once per cold start), so a test can
// import one with no configuration at all, and its default dependencies come from exactly the keys its manifest
// entry (terraform/functions.json) names.
import { expect } from 'chai';
import { CONFIG_KEYS, ENGINE_DEFAULTS, FUNCTION_NAMES, functionConfigKeys, type ConfigKey } from '../../src/core/config.ts';

interface HandlerModule {
  createHandler(deps: unknown): unknown;
  dependenciesFromEnvironment(env: Record<string, string | undefined>): unknown;
}

/** A well-formed value for every configuration key. */
const VALUES: Record<ConfigKey, string> = {
  TABLE_NAME: 'telecast-test-state',
  BUCKET_NAME: 'telecast-test-podcasts',
  COLLECTION_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/collection',
  PROCESSING_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/processing',
  COLLECTION_DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/collection-dlq',
  PROCESSING_DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/processing-dlq',
  MAX_RECEIVE_COUNT: '3',
  STALLED_MARGIN_HOURS: '6',
  PUBLIC_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
  STUCK_AFTER_MINUTES: '300',
  ...ENGINE_DEFAULTS,
  ADMIN_SECRET_ID: 'telecast-test-admin',
  TELEGRAM_WEB_URL: 'https://t.me',
  TELEGRAM_SESSION_SECRET_ID: '',
};

const load = (name: string) => import(`../../src/handlers/${name}.ts`) as Promise<HandlerModule & Record<string, unknown>>;

describe('handler modules', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const key of Object.keys(CONFIG_KEYS)) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  });
  after(() => {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  });

  for (const name of FUNCTION_NAMES) {
    it(`${name}: imports with no configuration set and exports createHandler and dependenciesFromEnvironment, but no built handler`, async () => {
      const module = await load(name);
      expect(module.createHandler).to.be.a('function');
      expect(module.dependenciesFromEnvironment).to.be.a('function');
      expect(module).not.to.have.property('handler');
    });

    it(`${name}: builds its handler from exactly the configuration keys terraform/functions.json gives it`, async () => {
      const module = await load(name);
      const env = Object.fromEntries(functionConfigKeys(name).map((key) => [key, VALUES[key]]));
      expect(module.createHandler(module.dependenciesFromEnvironment(env))).to.be.a('function');
    });

    it(`${name}: with no configuration, fails naming every key it needs that has no default`, async () => {
      const module = await load(name);
      const required = functionConfigKeys(name).filter((key) => !('default' in CONFIG_KEYS[key]));
      expect(required).not.to.be.empty;
      // By name: mocha loads this file through require, so the dynamically imported module has its own ConfigError class.
      expect(() => module.dependenciesFromEnvironment({}))
        .to.throw(Error)
        .that.satisfies((error: Error) => error.name === 'ConfigError' && required.every((key) => error.message.includes(`${key} is not set`)));
    });
  }
});
