import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g019-unpinned-base.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22-bookworm AS build\nFROM build\nFROM scratch\n' },
    { name: 'digest', code: 'FROM alpine@sha256:0123456789abcdef\n' },
    { name: 'tag from ARG', code: 'ARG V=3.20\nFROM alpine:${V}\n' },
  ],
  invalid: [
    { code: 'FROM golang\nFROM alpine:latest\nFROM localhost:5000/base\n', errors: [{ line: 1, message: /untagged/ }, { line: 2, message: /tagged latest/ }, { line: 3 }] },
  ],
});
