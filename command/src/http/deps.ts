import type {
  Clock,
  CommandRuntime,
  Config,
  Logger,
  Mailer,
  PaymentGateway,
  SandboxGateway,
  SharedRateLimits,
  TokenSettings,
} from '@booking/shared-kernel';
import type { PayPalGateway } from '@booking/shared-kernel/adapters';

/** What the command role needs from the outside world. */
export interface CommandDeps {
  runtime: CommandRuntime;
  clock: Clock;
  config: Pick<Config, 'holdMinutes' | 'jwtSecret' | 'jwtIssuer' | 'maxBodyBytes' | 'env'>;
  logger: Logger;
  /** identity: where account mail goes, and how access tokens are signed (absent: no identity routes) */
  mailer?: Mailer;
  tokens?: TokenSettings;
  identity?: Config['identity'];
  gateway: PaymentGateway;
  /** present when the sandbox gateway is in use: it confirms test cards */
  sandbox: SandboxGateway | null;
  /** PayPal, a second payment method, when PAYPAL_CLIENT_ID/SECRET are set */
  paypal?: PayPalGateway | null;
  /** minutes before a service starts after which a customer may no longer cancel or move it */
  customerNoticeMinutes: number;
  /** credential endpoints' counters shared by every instance (REDIS_URL); absent: per process */
  rateLimits?: SharedRateLimits;
}
