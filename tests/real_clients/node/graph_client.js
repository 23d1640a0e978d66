'use strict';
// The official Meta Node SDK (facebook-nodejs-business-sdk, pinned in package.json) as a client of the mock,
// driven by tests/real_clients/test_node_sdk.py. It is pointed at the mock without patching: the SDK reads the static getters
// FacebookAdsApi.GRAPH and FacebookAdsApi.VERSION on every call, so redefining them is its base URL setting.
//
// Usage: node graph_client.js <base_url> <scenario> '<JSON arguments>'
// Prints one JSON line: the scenario's result, or {"error": ...} for a FacebookRequestError.
const {FacebookAdsApi, FacebookAdsApiBatch, Business} = require('facebook-nodejs-business-sdk');

const [base, scenario, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs || '{}');
Object.defineProperty(FacebookAdsApi, 'GRAPH', {get: () => base});
Object.defineProperty(FacebookAdsApi, 'VERSION', {get: () => args.version || 'v25.0'});

function session(token) {
  return FacebookAdsApi.init(token, 'en_US', false); // false: no crash reports POSTed to the "Graph" it talks to
}

// What a FacebookRequestError tells its user: the HTTP status, and Graph's error object as `response`.
function described(error) {
  if (error.name !== 'FacebookRequestError') {
    throw error;
  }
  const graph = error.response || {};
  return {
    name: error.name,
    status: error.status,
    code: graph.code,
    error_subcode: graph.error_subcode,
    type: graph.type,
    message: error.message,
    www_authenticate: error.headers ? error.headers['www-authenticate'] : undefined,
  };
}

const scenarios = {
  // Business(id).getClientAdAccounts(...) walked to the end: the cursor follows paging.next verbatim.
  async walk({token, business, fields, limit}) {
    const cursor = await new Business(business, {}, undefined, session(token)).getClientAdAccounts(fields, {limit});
    const nodes = [];
    let pages = 0;
    for (;;) {
      pages += 1;
      for (const account of cursor) {
        nodes.push(account._data);
      }
      if (!cursor.hasNext()) {
        return {pages, nodes};
      }
      await cursor.next();
    }
  },

  // api.call, as the SDK's own objects call it: POST params go as a JSON body.
  async call({token, method, path, params}) {
    return {response: await session(token).call(method, path, params)};
  },

  // FacebookAdsApiBatch: one POST of {"batch": [...]}, each item answered through its own callback.
  async batch({token, calls}) {
    const batch = new FacebookAdsApiBatch(session(token));
    const answers = [];
    calls.forEach(([method, path, params], index) => {
      const keep = (response) => {
        answers[index] = {status: response.status, body: response.body};
      };
      batch.add(method, path, params, undefined, keep, keep);
    });
    const retry = await batch.execute();
    return {answers, retry: retry !== null};
  },
};

scenarios[scenario](args)
  .catch((error) => ({error: described(error)}))
  .then((result) => process.stdout.write(JSON.stringify(result) + '\n'))
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  });
