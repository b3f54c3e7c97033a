// What every script here shares: its configuration from the environment, and one JSON line
// per step, {"step": ..., "result": ...} or {"step": ..., "error": {status, code, message}},
// which the Go tests read (sdk_test.go runNodeScript).
const env = (name, fallback) => process.env[name] ?? fallback;

// plain is an error as the SDK throws it: {status, code, message}, or a JavaScript error.
function plain(error) {
  if (error instanceof Error) return { name: error.name, message: error.message };
  const { status, code, message } = error;
  return { status, code, message };
}

// step runs fn, prints its result or error, and returns the result (undefined on error).
async function step(name, fn) {
  try {
    const result = await fn();
    console.log(JSON.stringify({ step: name, result }));
    return result;
  } catch (error) {
    console.log(JSON.stringify({ step: name, error: plain(error) }));
    return undefined;
  }
}

module.exports = { env, plain, step };
