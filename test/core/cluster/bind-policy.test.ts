import { describe, expect, it } from 'vitest';
import {
  isLoopback,
  parseHostPort,
  resolveBindHost,
  tcpEndpoint,
} from '../../../core/cluster/bind-policy.js';

describe('bind policy', () => {
  it('binds loopback by default, with or without CURVE', () => {
    expect(resolveBindHost({ curve: false })).toBe('127.0.0.1');
    expect(resolveBindHost({ curve: true })).toBe('127.0.0.1');
  });

  it('allows another address only with CURVE or an explicit allowPlain', () => {
    expect(resolveBindHost({ bind: '0.0.0.0', curve: true })).toBe('0.0.0.0');
    expect(() => resolveBindHost({ bind: '0.0.0.0', curve: false })).toThrow(/without CURVE/);
    expect(() => resolveBindHost({ bind: '10.1.2.3', curve: false })).toThrow(/without CURVE/);
    expect(resolveBindHost({ bind: '10.1.2.3', curve: false, allowPlain: true })).toBe('10.1.2.3');
    expect(resolveBindHost({ bind: '127.0.0.2', curve: false })).toBe('127.0.0.2');
  });

  it('refuses a bind that is not an IP address', () => {
    expect(() => resolveBindHost({ bind: 'eth0', curve: true })).toThrow(/--bind must be an IP address/);
  });

  it('parses HOST:PORT forms and names what is wrong', () => {
    expect(parseHostPort('10.0.0.1:6380', '--address')).toEqual({ host: '10.0.0.1', port: 6380 });
    expect(parseHostPort('tcp://head.local:7000', '--address')).toEqual({ host: 'head.local', port: 7000 });
    expect(parseHostPort('[::1]:7000', '--address')).toEqual({ host: '::1', port: 7000 });
    expect(() => parseHostPort('10.0.0.1', '--address')).toThrow(/--address must be HOST:PORT/);
    expect(() => parseHostPort('10.0.0.1:70000', '--address')).toThrow(
      /--address port must be an integer port/,
    );
    expect(() => parseHostPort('a b:1', 'TSRL_ADDRESS')).toThrow(/TSRL_ADDRESS must be HOST:PORT/);
    expect(tcpEndpoint({ host: '::1', port: 5 })).toBe('tcp://[::1]:5');
    expect(isLoopback('127.9.9.9') && isLoopback('::1') && !isLoopback('10.0.0.1')).toBe(true);
  });
});
