// Loaded by .mocharc.json: the handlers under test write their metrics (EMF lines) to stdout, which would fill the test
// report. Powertools Metrics stays silent while POWERTOOLS_METRICS_DISABLED is "true"; test/unit/metrics.test.ts turns
// it back on around the work whose lines it reads. Functions on the local stack run with their own environment.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
