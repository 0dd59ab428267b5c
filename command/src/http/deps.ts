import type { Clock, CommandRuntime, Config, Logger, PaymentGateway, SandboxGateway } from '@booking/shared-kernel';

/** What the command role needs from the outside world. */
export interface CommandDeps {
  runtime: CommandRuntime;
  clock: Clock;
  config: Pick<Config, 'holdMinutes' | 'jwtSecret' | 'jwtIssuer' | 'maxBodyBytes' | 'env'>;
  logger: Logger;
  gateway: PaymentGateway;
  /** present when the sandbox gateway is in use: it confirms test cards */
  sandbox: SandboxGateway | null;
  /** minutes before a service starts after which a customer may no longer cancel or move it */
  customerNoticeMinutes: number;
}
