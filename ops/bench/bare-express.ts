/** The bare express route the HTTP benchmark compares the platform with. */
import express from 'express';

const app = express();
app.use(express.json({ limit: 65536 }));
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/bookings', (req, res) => {
  res.status(201).json({ received: req.body as unknown, status: 'PENDING' });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
