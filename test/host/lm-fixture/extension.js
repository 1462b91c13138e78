// Test-only extension: a fake chat model ("Fake Coder", vendor spawn-app-fake) registered with
// vscode.lm.registerLanguageModelChatProvider (stable in VS Code 1.104). It answers every request that offers
// Spawn App's write_app tool with a call of that tool (a small web app), and update_app with a patch; it records
// each request (text, tools, tool mode) so the suite can check what Spawn App sent. Exports { requests, answers }.
const vscode = require('vscode');

const WEBAPP = {
  appType: 'webapp',
  title: 'Greeting',
  description: 'Says hello.',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'index.html', content: '<!doctype html><title>Greeting</title><h1 id="hello">Hello from the fake model</h1>\n' },
    {
      path: 'server.js',
      content:
        "const http = require('http');\nconst fs = require('fs');\nconst path = require('path');\n" +
        "const PORT = process.env.PORT || 3000;\n" +
        "http.createServer((req, res) => {\n  res.writeHead(200, { 'content-type': 'text/html' });\n  res.end(fs.readFileSync(path.join(__dirname, 'index.html')));\n}).listen(PORT, () => console.log('greeting on ' + PORT));\n",
    },
  ],
};

const PATCH = {
  summary: 'Made the greeting louder.',
  changes: [{ path: 'index.html', content: '<!doctype html><title>Greeting</title><h1 id="hello">HELLO FROM THE FAKE MODEL</h1>\n' }],
  deletions: [],
};

function activate() {
  const requests = [];
  /** Tool name → input; a test may replace them. */
  const answers = { write_app: WEBAPP, update_app: PATCH };
  const provider = {
    provideLanguageModelChatInformation() {
      return [{ id: 'fake-coder', name: 'Fake Coder', family: 'fake', version: '1.0.0', maxInputTokens: 100000, maxOutputTokens: 16000, capabilities: { toolCalling: true } }];
    },
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const text = messages
        .map((m) => m.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join(''))
        .join('\n');
      const tools = (options.tools || []).map((t) => t.name);
      requests.push({ model: model.id, text, tools, toolMode: options.toolMode, schema: options.tools && options.tools[0] && options.tools[0].inputSchema });
      const name = tools.find((t) => t in answers);
      if (!name || token.isCancellationRequested) {
        progress.report(new vscode.LanguageModelTextPart('I have no tool to call.'));
        return;
      }
      progress.report(new vscode.LanguageModelToolCallPart(`call-${requests.length}`, name, answers[name]));
    },
    async provideTokenCount(_model, text) {
      return Math.ceil((typeof text === 'string' ? text.length : 100) / 4);
    },
  };
  const registration = vscode.lm.registerLanguageModelChatProvider('spawn-app-fake', provider);
  return { requests, answers, dispose: () => registration.dispose() };
}

module.exports = { activate };
