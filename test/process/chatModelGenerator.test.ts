import assert from 'node:assert/strict';
import type { ChatModel, ChatPart, ChatTurn } from '../../src/core/generate/chatModelGenerator';
import { ChatModelGenerator, collectToolCall, INCLUDED_IN_PLAN } from '../../src/core/generate/chatModelGenerator';
import { createGenerator, resolveGeneratorId } from '../../src/core/generate';
import type { SpawnEvent } from '../../src/core/base/events';
import { isCancelled } from '../../src/core/base/errors';

const APP = {
  appType: 'webapp',
  title: 'Hi',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'index.html', content: '<h1>hi</h1>' },
    { path: 'server.js', content: 'require("http").createServer((q, s) => s.end("hi")).listen(process.env.PORT);' },
  ],
};

/** A chat model that answers with scripted parts, one at a time (a macrotask apart, as a real stream arrives). */
class ScriptedModel implements ChatModel {
  readonly id = 'test/scripted';
  readonly name = 'Scripted';
  readonly vendor = 'test';
  readonly turns: ChatTurn[] = [];
  constructor(private readonly answer: (turn: ChatTurn) => ChatPart[]) {}
  async *send(turn: ChatTurn): AsyncIterable<ChatPart> {
    this.turns.push(turn);
    for (const part of this.answer(turn)) {
      await new Promise((r) => setImmediate(r));
      yield part;
    }
  }
}

function split(text: string, n: number): ChatPart[] {
  const parts: ChatPart[] = [];
  for (let i = 0; i < text.length; i += n) parts.push({ kind: 'text', value: text.slice(i, i + n) });
  return parts;
}

describe('ChatModelGenerator (the vscode-lm generator\'s core)', () => {
  it('sends the app prompt with the one write_app tool, streams file events from the tool call, validates, costs "included in your plan"', async () => {
    const model = new ScriptedModel(() => [{ kind: 'toolCall', name: 'write_app', input: APP }]);
    const events: SpawnEvent[] = [];
    const r = await new ChatModelGenerator(model).generate({ prompt: 'say hi', appType: 'webapp', onEvent: (e) => events.push(e) });
    assert.equal(r.generator, 'vscode-lm');
    assert.deepEqual(r.spec.files.map((f) => f.path), ['index.html', 'server.js']);
    assert.equal(model.turns.length, 1);
    assert.equal(model.turns[0]!.tool.name, 'write_app');
    assert.match(model.turns[0]!.user, /Build this webapp: say hi/);
    assert.match(model.turns[0]!.system, /calling the write_app tool/);
    assert.deepEqual(events.filter((e) => e.event === 'file').map((e) => `${(e as { status: string }).status}:${(e as { path: string }).path}`), ['started:index.html', 'complete:index.html', 'started:server.js', 'complete:server.js']);
    assert.deepEqual(events.find((e) => e.event === 'cost'), { event: 'cost', kind: 'generation', model: 'Scripted', usd: null, note: INCLUDED_IN_PLAN });
    assert.deepEqual(r.usage, { model: 'Scripted', inputTokens: 0, outputTokens: 0, usd: null });
  });

  it('a model that writes the JSON as streamed text: files show up while it arrives', async () => {
    const json = JSON.stringify(APP);
    const model = new ScriptedModel(() => [{ kind: 'text', value: '  ' }, ...split(json, 7)]);
    const seen: string[] = [];
    let sentBeforeEnd = 0;
    const turnLength = json.length;
    let received = 0;
    const gen = new ChatModelGenerator({
      ...model,
      id: model.id,
      name: model.name,
      vendor: model.vendor,
      send: (t) => (async function* () {
        for await (const p of model.send(t)) {
          if (p.kind === 'text') received += p.value.length;
          yield p;
        }
      })(),
    });
    const r = await gen.generate({
      prompt: 'x',
      appType: 'webapp',
      onEvent: (e) => {
        if (e.event === 'file' && e.status === 'complete') {
          seen.push(e.path);
          if (received < turnLength) sentBeforeEnd++;
        }
      },
    });
    assert.deepEqual(seen, ['index.html', 'server.js']);
    assert.ok(sentBeforeEnd >= 1, 'the first file completed before the answer ended');
    assert.equal(r.spec.title, 'Hi');
  });

  it('errors are one sentence with a code: no tool call, invalid input, the wrong app type', async () => {
    await assert.rejects(new ChatModelGenerator(new ScriptedModel(() => [{ kind: 'text', value: 'Sorry, I cannot.' }])).generate({ prompt: 'x', appType: 'webapp' }), {
      code: 'generation.invalid_output',
      message: 'The model answered without calling write_app: "Sorry, I cannot.".',
    });
    await assert.rejects(new ChatModelGenerator(new ScriptedModel(() => [{ kind: 'toolCall', name: 'write_app', input: { ...APP, files: [] } }])).generate({ prompt: 'x', appType: 'webapp' }), {
      code: 'generation.invalid_output',
      message: /^Scripted answered in a form Spawn App cannot use: /,
    });
    await assert.rejects(new ChatModelGenerator(new ScriptedModel(() => [{ kind: 'toolCall', name: 'write_app', input: APP }])).generate({ prompt: 'x', appType: 'api' }), {
      code: 'generation.invalid_output',
      message: /appType must be "api"/,
    });
  });

  it('refine and fix send the patch tool with the current files and return the patch', async () => {
    const patch = { summary: 'Bigger.', changes: [{ path: 'index.html', content: '<h1>HI</h1>' }], deletions: [] };
    const model = new ScriptedModel(() => [{ kind: 'toolCall', name: 'update_app', input: patch }]);
    const gen = new ChatModelGenerator(model);
    const spec = { ...APP, appType: 'webapp' as const };
    const events: SpawnEvent[] = [];
    const refined = await gen.refine({ spec, followUp: 'make it bigger', onEvent: (e) => events.push(e) });
    assert.deepEqual(refined.patch.changes, patch.changes);
    assert.equal(model.turns[0]!.tool.name, 'update_app');
    assert.match(model.turns[0]!.user, /make it bigger/);
    assert.match(model.turns[0]!.user, /<h1>hi<\/h1>/, 'the current files go with it');
    assert.ok(events.some((e) => e.event === 'file' && e.path === 'index.html' && e.status === 'complete'));
    const fixed = await gen.fix({ spec, step: 'start', output: 'Error: boom' });
    assert.equal(fixed.patch.summary, 'Bigger.');
    assert.match(model.turns[1]!.user, /Error: boom/);
  });

  it('cancels: an aborted signal stops reading the stream', async () => {
    const ac = new AbortController();
    const model = new ScriptedModel(() => [{ kind: 'text', value: '{"files":[' }, { kind: 'text', value: '{"path":"a"' }, { kind: 'toolCall', name: 'write_app', input: APP }]);
    const p = new ChatModelGenerator(model).generate({ prompt: 'x', appType: 'webapp', signal: ac.signal, onEvent: () => ac.abort() });
    ac.abort();
    await assert.rejects(p, (err) => isCancelled(err));
  });

  it('collectToolCall ignores other tools and takes the first call of its own', async () => {
    async function* parts(): AsyncIterable<ChatPart> {
      yield { kind: 'toolCall', name: 'other', input: { files: [] } };
      yield { kind: 'toolCall', name: 'write_app', input: { n: 1 } };
      yield { kind: 'toolCall', name: 'write_app', input: { n: 2 } };
    }
    assert.equal(await collectToolCall(parts(), 'write_app', 'files', () => undefined), '{"n":1}');
  });

  it('auto: Claude with a key, else the chat model when the front has one, else templates', async () => {
    assert.equal(resolveGeneratorId('auto', { anthropicApiKey: 'k' }, true), 'claude');
    assert.equal(resolveGeneratorId('auto', {}, true), 'vscode-lm');
    assert.equal(resolveGeneratorId('auto', {}, false), 'templates');
    const model = new ScriptedModel(() => []);
    assert.equal((await createGenerator('auto', {}, model)).id, 'vscode-lm');
    assert.equal((await createGenerator('auto', {})).id, 'templates');
    await assert.rejects(createGenerator('vscode-lm', {}), { code: 'generation.no_key', message: /^No chat model is available in VS Code/ });
  });
});
