/**
 * A team tunes its help-centre search: agents score configurations of a BM25 retriever (k1, b, and
 * how much a title counts) against labelled questions, and a particle swarm picks what to try next.
 * Each iteration's candidates are one master-loop run, so the loop's limits and retries apply (one
 * agent here drops a connection now and then) and every score is checkpointed: running the same
 * search again takes every score from the checkpointer and asks the agents nothing.
 * `npx tsx examples/tune-retriever.ts` (no API keys, no network; about 2 s).
 */
import { MemorySaver } from '@langchain/langgraph';
import { createAgentNetwork, createMasterAgentLoop, createSwarm, loopEvaluator, type AgentDefinition, type SwarmBestMessage } from '../src/index.js';

// The help centre: [title, body]. Some bodies are long and repeat common words, so length
// normalisation (b) and the weight of titles both change which article comes first.
const ARTICLES: Array<[string, string]> = [
  ['Reset your password', 'Open the sign-in page, choose forgot password, and follow the link we email you. The link expires after one hour.'],
  ['Change the email on your account', 'Go to settings, then profile, and enter the new email address. We send a confirmation link to the new address before the change applies.'],
  ['Two-factor authentication', 'Turn on two-factor authentication in security settings. Use an authenticator app; codes by text message are a fallback. Keep your recovery codes somewhere safe.'],
  ['Recovery codes', 'Recovery codes let you sign in when you lose your phone. Each code works once. Generate new codes in security settings; the old ones stop working.'],
  ['Billing overview', 'Your plan renews every month on the day you subscribed. Invoices are in billing. You can pay by card or by bank transfer on annual plans. Billing questions about invoices, refunds, plans and cards are answered by the billing team, and billing settings show the plan, the invoices and the card on file. Billing billing billing.'],
  ['Refunds', 'We refund unused time on annual plans within 30 days of renewal. Monthly plans are not refunded, but you can cancel any time and keep access until the period ends.'],
  ['Cancel your subscription', 'In billing, choose cancel plan. Your data stays for 90 days after the period ends, then it is deleted. You can export it before that.'],
  ['Export your data', 'Settings, then data, then export: we prepare a zip of your projects and email a download link. Large exports can take an hour.'],
  ['Delete your account', 'Deleting your account removes your projects and your data at once and cannot be undone. Export first if you want a copy. Delete in settings, then account.'],
  ['Invite teammates', 'Owners and admins invite teammates from the team page by email. Invitations expire after seven days; resend them from the same page.'],
  ['Roles and permissions', 'Owners manage billing and can delete the team. Admins invite and remove members. Members edit projects. Viewers only read.'],
  ['Single sign-on (SSO)', 'Enterprise plans can sign in with SAML single sign-on. Set the identity provider metadata in security settings, then require SSO for every member.'],
  ['API keys', 'Create API keys in developer settings. A key has the permissions of the member who made it. Rotate keys regularly and revoke a key the moment it leaks.'],
  ['Rate limits', 'The API allows 600 requests per minute per key. A request over the limit gets status 429 with a Retry-After header; wait that long and retry.'],
  ['Webhooks', 'Webhooks send an HTTP POST to your URL when a project changes. We sign each delivery; verify the signature with your webhook secret. Failed deliveries are retried for a day.'],
  ['Troubleshooting sign-in', 'If you cannot sign in: check the email address, reset your password, and check that your team does not require single sign-on. Sign-in problems after a password reset usually mean a cached session: sign out everywhere and sign in again. Many sign-in questions, sign-in errors and sign-in failures are answered here: sign in, sign in, sign in.'],
  ['Mobile app', 'The mobile app shows projects and notifications. Sign in with the same account; two-factor authentication codes work in the app too.'],
  ['Notifications', 'Choose which emails and push notifications you get in settings, then notifications. Mentions always notify you.'],
];

// Questions with graded relevance: 2 = the answer, 1 = useful.
const QUESTIONS: Array<{ q: string; relevant: Record<number, number> }> = [
  { q: 'forgot my password', relevant: { 0: 2, 15: 1 } },
  { q: 'lost phone cannot sign in two-factor', relevant: { 3: 2, 2: 1 } },
  { q: 'how do I get a refund', relevant: { 5: 2, 4: 1 } },
  { q: 'cancel plan', relevant: { 6: 2, 5: 1 } },
  { q: 'download all my data', relevant: { 7: 2, 6: 1 } },
  { q: 'add a teammate to the team', relevant: { 9: 2, 10: 1 } },
  { q: 'who can delete the team', relevant: { 10: 2, 8: 1 } },
  { q: 'SAML login', relevant: { 11: 2 } },
  { q: 'too many requests 429', relevant: { 13: 2 } },
  { q: 'verify webhook signature', relevant: { 14: 2 } },
  { q: 'key leaked revoke', relevant: { 12: 2 } },
  { q: 'change email address', relevant: { 1: 2, 17: 1 } },
  { q: 'sign in problems', relevant: { 15: 2, 0: 1 } },
  { q: 'billing invoices', relevant: { 4: 2 } },
  { q: 'refund for the annual plan billing', relevant: { 5: 2, 4: 1 } },
  { q: 'sign in on the phone app', relevant: { 16: 2, 15: 1 } },
  { q: 'sign in with single sign-on', relevant: { 11: 2, 15: 1 } },
  { q: 'delete my data', relevant: { 8: 2, 6: 1 } },
  { q: 'email notifications settings', relevant: { 17: 2 } },
];

const tokens = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
const docs = ARTICLES.map(([title, body]) => ({ title: tokens(title), body: tokens(body) }));
const avgLength = docs.reduce((s, d) => s + d.body.length, 0) / docs.length;
const df = new Map<string, number>();
for (const d of docs) for (const t of new Set([...d.title, ...d.body])) df.set(t, (df.get(t) ?? 0) + 1);
const idf = (t: string): number => Math.log(1 + (docs.length - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
const count = (list: string[], t: string): number => list.reduce((n, x) => n + (x === t ? 1 : 0), 0);

/** BM25 with a weighted title field (a small BM25F): the configuration under test. */
function rank(query: string, [k1, b, titleWeight]: number[]): number[] {
  const scores = docs.map((d) => {
    let score = 0;
    for (const t of new Set(tokens(query))) {
      const tf = count(d.body, t) + titleWeight! * count(d.title, t);
      if (tf > 0) score += (idf(t) * tf * (k1! + 1)) / (tf + k1! * (1 - b! + (b! * d.body.length) / avgLength));
    }
    return score;
  });
  return scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]).map(([, i]) => i);
}

/** 1 − mean nDCG@5 over the questions: 0 is a perfect retriever. */
function loss(config: number[]): number {
  const dcg = (gains: number[]): number => gains.reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ndcg = QUESTIONS.map(({ q, relevant }) => {
    const got = rank(q, config).slice(0, 5).map((i) => relevant[i] ?? 0);
    return dcg(got) / dcg(Object.values(relevant).sort((a, b) => b - a));
  });
  return 1 - ndcg.reduce((s, x) => s + x, 0) / ndcg.length;
}

let calls = 0;
const evaluator = (id: string, flaky: boolean): AgentDefinition => ({
  id,
  capabilities: ['score-retriever'],
  maxConcurrency: 4,
  run: async (input, ctx) => {
    calls++;
    // A judge on a shaky connection: the loop retries the attempt (same idempotency key).
    if (flaky && ctx.attempt === 1 && [...ctx.idempotencyKey].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7) % 6 === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return loss((input as { point: number[] }).point);
  },
});

async function main(): Promise<void> {
  const network = createAgentNetwork();
  network.subscribe('swarm.best', (m) => {
    const best = m.payload as SwarmBestMessage;
    console.log(`  new best after ${String(best.evaluations).padStart(3)} evaluations: nDCG@5 ${(1 - best.bestValue).toFixed(3)}  k1=${best.bestPoint[0]!.toFixed(2)} b=${best.bestPoint[1]!.toFixed(2)} title×${best.bestPoint[2]!.toFixed(2)}`);
  });
  const checkpointer = new MemorySaver();
  const loop = createMasterAgentLoop({
    agents: [evaluator('judge-1', false), evaluator('judge-2', true)],
    checkpointer,
    limits: { maxConcurrentAgents: 6 },
    backoff: { initialDelayMs: 5, maxDelayMs: 50 },
  });
  const swarm = createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score-retriever', retries: 2 }), swarmSize: 12, seed: 42, network });
  const defaults = [1.2, 0.75, 1]; // the textbook BM25 values, titles counting like body text
  const problem = {
    id: 'retriever-tuning',
    bounds: [[0, 3], [0, 1], [0, 5]] as Array<[number, number]>,
    initial: [defaults], // start one particle from today's configuration
    maxEvaluations: 360,
  };

  console.log(`today's configuration (k1=1.2, b=0.75, title×1): nDCG@5 ${(1 - loss(defaults)).toFixed(3)}`);
  const result = await swarm.optimizeCollectively(problem);
  await new Promise((resolve) => setImmediate(resolve));
  const [k1, b, title] = result.bestPoint;
  console.log(`\nbest: k1=${k1!.toFixed(2)} b=${b!.toFixed(2)} title×${title!.toFixed(2)}: nDCG@5 ${(1 - result.bestValue).toFixed(3)}`);
  console.log(`${result.evaluations} evaluations in ${result.iterations} loop runs, ${calls} agent attempts (retries included); ` +
    `stopped: ${result.stopReason}, convergenceAchieved: ${result.convergenceAchieved}`);

  // The same search again (after a crash, say): every iteration's scores are in the checkpointer.
  calls = 0;
  const again = await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score-retriever' }), swarmSize: 12, seed: 42 }).optimizeCollectively(problem);
  console.log(`ran the search again with the same id: same best ${again.bestValue === result.bestValue}, ${calls} agent calls`);
  network.close();
}

void main();
