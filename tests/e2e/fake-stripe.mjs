// A local stand-in for Stripe in the end-to-end tests (Stripe's API is unreachable here):
// the Checkout Session endpoints async-stripe calls, a payment page, and real signed webhooks.
//
//   POST /v1/checkout/sessions      form-encoded as async-stripe sends it → a Checkout Session
//                                   whose `url` is this fake's payment page
//   GET  /v1/checkout/sessions/:id  the session
//   GET  /pay/:id                   the payment page: a "Pay" button and a "Cancel" link
//   POST /pay/:id                   marks the session paid, delivers a `checkout.session.completed`
//                                   event signed as Stripe signs (Stripe-Signature
//                                   t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>) to the
//                                   server's /api/v1/stripe/webhook, then 303 to the success_url
//   GET  /healthz                   "ok"
// Test controls (not Stripe's):
//   POST /control/hold              webhooks wait (the app must wait for the confirmation)
//   POST /control/release           delivers the waiting webhooks
//   POST /control/refund/:id        delivers a signed `charge.refunded` for the session's payment
//   GET  /control/deliveries        every delivery: event id, type, the server's status and body
//
// Env: FAKE_STRIPE_PORT (default 0: any), STRIPE_WEBHOOK_SECRET (required),
//      FAKE_STRIPE_WEBHOOK_URL (default: the success_url's origin + /api/v1/stripe/webhook).
// Plain Node (http, crypto): no dependency.
import crypto from 'node:crypto';
import http from 'node:http';

const secret = process.env.STRIPE_WEBHOOK_SECRET;
if (!secret) {
  console.error('fake-stripe: STRIPE_WEBHOOK_SECRET is required');
  process.exit(2);
}
const port = Number(process.env.FAKE_STRIPE_PORT || 0);

const sessions = new Map();
const deliveries = [];
let holding = false;
let held = [];

const randomId = (prefix) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Reads a form body (`a[b][0][c]=x`, brackets raw or percent-encoded) into nested objects. */
export function parseForm(text) {
  const out = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.split(/[[\]]+/).filter((p) => p !== '');
    let at = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        at[part] = value;
      } else {
        at[part] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
        at = at[part];
      }
    });
  }
  return out;
}

/** The signature header Stripe sends with `payload`, at `timestamp`. */
export function signature(payload, timestamp = now(), key = secret) {
  const v1 = crypto.createHmac('sha256', key).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

function stripeError(res, status, message, code) {
  json(res, status, { error: { type: 'invalid_request_error', message, code } });
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': randomId('req') });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A Checkout Session with every field async-stripe's `CheckoutSession` requires. */
function newSession(form, origin) {
  const id = randomId('cs_test');
  const created = now();
  const items = Array.isArray(form.line_items) ? form.line_items : [];
  return {
    id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: 4900,
    amount_total: 4900,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: form.cancel_url ?? null,
    client_reference_id: form.client_reference_id ?? null,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created,
    currency: 'usd',
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: form.customer_email ?? null,
    expires_at: created + 24 * 3600,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: form.locale ?? null,
    metadata: form.metadata ?? {},
    mode: form.mode ?? 'payment',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: form.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: `${origin}/pay/${id}`,
    // Not a Stripe field: what was bought, for the payment page.
    _price: items[0]?.price ?? null,
  };
}

function publicSession(session) {
  const { _price, ...rest } = session;
  return rest;
}

function webhookUrl(session) {
  if (process.env.FAKE_STRIPE_WEBHOOK_URL) return process.env.FAKE_STRIPE_WEBHOOK_URL;
  return new URL('/api/v1/stripe/webhook', session.success_url).href;
}

async function deliver(session, event) {
  const payload = JSON.stringify(event);
  const url = webhookUrl(session);
  const record = { event: event.id, type: event.type, session: session.id, url };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload), 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
      body: payload,
    });
    record.status = res.status;
    record.body = await res.text();
  } catch (err) {
    record.status = 0;
    record.body = String(err);
  }
  deliveries.push(record);
  console.log(`webhook ${event.type} ${event.id} → ${url}: ${record.status} ${record.body}`);
  return record;
}

function completedEvent(session) {
  return {
    id: randomId('evt_test'),
    object: 'event',
    api_version: '2025-09-30.clover',
    created: now(),
    data: { object: publicSession(session) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  };
}

function refundEvent(session) {
  const charge = {
    id: randomId('ch_test'),
    object: 'charge',
    amount: session.amount_total,
    amount_captured: session.amount_total,
    amount_refunded: session.amount_total,
    captured: true,
    created: now(),
    currency: session.currency,
    customer: session.customer,
    livemode: false,
    paid: true,
    payment_intent: session.payment_intent,
    refunded: true,
    status: 'succeeded',
  };
  return {
    id: randomId('evt_test'),
    object: 'event',
    api_version: '2025-09-30.clover',
    created: now(),
    data: { object: charge, previous_attributes: { amount_refunded: 0, refunded: false } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: randomId('req'), idempotency_key: null },
    type: 'charge.refunded',
  };
}

function payPage(session) {
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const done = session.payment_status === 'paid';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test payment — fake Stripe</title></head>
<body>
<main>
<h1>Test payment</h1>
<p>mpp2xml Pro (${esc(session._price)}): <strong>$49.00</strong>. This is a local test page; nothing is charged.</p>
${done ? '<p id="paid">Already paid.</p>' : `<form method="post" action="/pay/${esc(session.id)}"><button type="submit" id="pay">Pay</button></form>`}
<p><a id="cancel" href="${esc(session.cancel_url)}">Cancel and go back</a></p>
</main>
</body></html>`;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://fake');
  const origin = `http://${req.headers.host}`;
  const parts = url.pathname.split('/').filter(Boolean);
  try {
    if (req.method === 'GET' && url.pathname === '/healthz') {
      // A length rather than chunks: the xtask's readiness probe reads the body's end as `ok`.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      return;
    }
    if (url.pathname.startsWith('/v1/')) {
      const auth = req.headers.authorization || '';
      if (!/^Bearer sk_test_\w+$/.test(auth)) {
        json(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
        return;
      }
    }
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const form = parseForm(await readBody(req));
      console.log(`create session: ${JSON.stringify(form)}`);
      if (!form.success_url) return stripeError(res, 400, 'Missing required param: success_url.', 'parameter_missing');
      if (!form.mode) return stripeError(res, 400, 'Missing required param: mode.', 'parameter_missing');
      if (!Array.isArray(form.line_items) || !form.line_items[0]?.price) {
        return stripeError(res, 400, 'Missing required param: line_items[0][price].', 'parameter_missing');
      }
      const session = newSession(form, origin);
      sessions.set(session.id, session);
      return json(res, 200, publicSession(session));
    }
    if (req.method === 'GET' && parts[0] === 'v1' && parts[1] === 'checkout' && parts[2] === 'sessions' && parts[3]) {
      const session = sessions.get(parts[3]);
      if (!session) return stripeError(res, 404, `No such checkout.session: '${parts[3]}'`, 'resource_missing');
      return json(res, 200, publicSession(session));
    }
    if (parts[0] === 'pay' && parts[1]) {
      const session = sessions.get(parts[1]);
      if (!session) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such session');
        return;
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(payPage(session));
        return;
      }
      if (req.method === 'POST') {
        await readBody(req);
        if (session.payment_status !== 'paid') {
          Object.assign(session, {
            payment_status: 'paid',
            status: 'complete',
            payment_intent: randomId('pi_test'),
            customer: randomId('cus_test'),
            customer_details: { email: 'buyer@example.com', name: 'Test Buyer', address: null, phone: null, tax_exempt: 'none', tax_ids: [] },
          });
          const event = completedEvent(session);
          if (holding) held.push([session, event]);
          else await deliver(session, event);
        }
        const back = session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
        res.writeHead(303, { location: back }).end();
        return;
      }
    }
    if (req.method === 'POST' && url.pathname === '/control/hold') {
      holding = true;
      return json(res, 200, { holding });
    }
    if (req.method === 'POST' && url.pathname === '/control/release') {
      holding = false;
      const waiting = held;
      held = [];
      const results = [];
      for (const [session, event] of waiting) results.push(await deliver(session, event));
      return json(res, 200, { delivered: results });
    }
    if (req.method === 'POST' && parts[0] === 'control' && parts[1] === 'refund' && parts[2]) {
      const session = sessions.get(parts[2]);
      if (!session?.payment_intent) return stripeError(res, 404, 'No paid session with that id.', 'resource_missing');
      return json(res, 200, await deliver(session, refundEvent(session)));
    }
    if (req.method === 'GET' && url.pathname === '/control/deliveries') {
      return json(res, 200, deliveries);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`fake Stripe listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    // Keep-alive connections from the server's client would hold close() open.
    server.closeAllConnections();
  });
}
