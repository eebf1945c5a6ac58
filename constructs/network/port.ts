export type Protocol = "TCP" | "UDP";

/** A port (or range) a flow uses. */
export class Port {
  static tcp(port: number): Port {
    return new Port(port, "TCP");
  }
  static udp(port: number): Port {
    return new Port(port, "UDP");
  }
  /** TCP and UDP on the same port (DNS). */
  static tcpAndUdp(port: number): Port[] {
    return [Port.tcp(port), Port.udp(port)];
  }

  private constructor(
    readonly port: number,
    readonly protocol: Protocol,
  ) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
  }

  toString(): string {
    return `${this.port}/${this.protocol}`;
  }
}
