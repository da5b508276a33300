/**
 * goslim's error codes, each with its one copy of text: what it means, the usual causes, and what
 * to do. Codes are the stable contract (scripts and tests match on them; messages may change).
 * Every code is here: the Record over `ErrorCode` makes the compiler say so when one is missing.
 */
import type { ErrorCode } from '../errors.js';

export interface ErrorDoc {
  title: string;
  /** What the code means. */
  summary: string;
  /** Typical causes. */
  why: string;
  /** What to do. */
  fix: string;
  /** The process exit status that goes with it. */
  exit: 2 | 3;
}

const input = (title: string, summary: string, why: string, fix: string): ErrorDoc => ({ title, summary, why, fix, exit: 2 });

export const ERROR_DOCS: Readonly<Record<ErrorCode, ErrorDoc>> = {
  E_USAGE: input('Usage error', 'The command line is not one goslim accepts: an unknown option, a missing argument, a value of the wrong form.', 'A typo, or an option of another version of goslim.', 'Run the command with --help; the message names the option.'),
  E_NOT_FOUND: input('Not found', 'A file, directory, image, tag, blob or topic that was named does not exist.', 'A wrong path or reference, an image not pushed yet, a tag that moved.', 'Check the name; for images, `skopeo inspect` the same reference.'),
  E_IO: input('I/O error', 'Reading or writing a file failed for a reason other than a missing file (permissions, a full disk, an I/O error).', 'No permission to read the input or to write next to the output, no space left.', 'The message names the path and the system error.'),
  E_TRUNCATED: input('Truncated input', 'The input ends before a structure it declares: a prefix of a valid file.', 'An interrupted download or copy, a partial `docker save`.', 'Fetch or export the input again and compare its size and digest with the source.'),
  E_MALFORMED: input('Malformed input', 'The input is long enough but inconsistent or invalid: a field of the wrong type in a manifest or config (details name the field), a bad tar header, a broken ELF table.', 'A tool that wrote a broken file, or a hand-edited or hostile one.', 'The details say which document and field; fix the producer or re-export the image.'),
  E_NOT_GO_BINARY: input('Not a Go binary', 'A valid executable without Go build information or runtime.', 'A C program, a script wrapper, or a Go binary stripped of its build info by a packer.', 'Point `goslim binary` at the Go program itself.'),
  E_UNSUPPORTED_FORMAT: input('Unsupported format', 'A format goslim does not read (or does not recognise).', 'A file that is not an ELF, Mach-O or PE executable, or an image medium goslim has no reader for.', 'Convert it (e.g. `skopeo copy` to an OCI layout) or name the right file.'),
  E_CONFIG: input('Config error', 'A goslim config file is invalid; every problem is listed at once.', 'Unknown keys, wrong types, invalid YAML, or a YAML alias bomb.', 'Fix the listed keys; `goslim explain` lists rule ids for ignore lists.'),
  E_REFERENCE: input('Bad image reference', 'An image reference goslim cannot parse.', 'A typo in the transport (`docker-archve:`), an invalid repository or tag.', 'References follow skopeo: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH, docker://REF or a bare registry reference.'),
  E_DIGEST_MISMATCH: input('Digest mismatch', 'Content does not match the digest it was addressed by: a blob, a manifest or a diff_id.', 'A tampered or corrupted image, a registry or proxy that changed bytes, a truncated blob.', 'Do not use the image; fetch it again from a trusted source.'),
  E_UNSAFE_PATH: input('Unsafe path', 'A path in an archive or image would escape its root (`..`, a link out of it).', 'A hostile or broken archive.', 'Do not unpack the archive with tools that follow such paths; rebuild it.'),
  E_PLATFORM: input('Platform', 'The image has no manifest for the platform asked for, or the platform string is invalid.', 'A single-architecture image asked for another architecture; a typo in --platform.', 'List the index platforms (`skopeo inspect --raw`) and pick one with --platform OS/ARCH[/VARIANT].'),
  E_AUTH: input('Authentication', 'The registry refused the credentials, or needs some.', 'No credentials for that registry in the Docker config, wrong ones, or a token service refusing the scope.', 'Log in with `docker login` or `skopeo login`; goslim reads ~/.docker/config.json and credential helpers, and never prints credentials.'),
  E_REGISTRY: input('Registry error', 'The registry answered with an error (after bounded retries for 429 and 5xx); details carry the status and the registry error codes.', 'A missing repository, a registry that is down, rate limiting that did not clear.', 'The details name the status and codes; retry later or check the registry.'),
  E_NETWORK: input('Network error', 'The registry or the local container engine (docker-daemon:, a bare name) could not be reached, or a transfer stalled, fell below the minimum rate or passed its deadline; for an engine the message lists every socket tried.', 'No route, DNS, a proxy, a trickling server; no Docker or Podman service running, or DOCKER_HOST pointing elsewhere.', 'Check the connection; --request-timeout and --min-rate tune the bounds. For an engine: start it (`podman system service`), or set DOCKER_HOST.'),
  E_TOOL_MISSING: input('Tool missing', 'An external program goslim needs for this operation is not installed (e.g. go for `goslim build`, zstd for zstd layers).', 'A minimal machine.', 'Install the named program.'),
  E_BUILD: input('Build failed', '`goslim build` could not compile or assemble the image.', 'A Go compile error, or a base image goslim cannot use.', 'The message carries the compiler output.'),
  E_EXISTS: input('Already exists', 'An output that must not be overwritten already exists.', 'A second run into the same output path.', 'Choose another output or remove the old one.'),
  E_NOT_REGULAR: input('Not a regular file', 'A path that must be a regular file is a FIFO, a device, a socket or a directory (after following links).', 'A mistyped path, or an input that would make goslim wait for ever (a FIFO, /dev/zero).', 'Name a regular file.'),
  E_LIMIT: input('Limit exceeded', 'The input crossed one of goslim\'s resource limits; details name the limit (`details.limit`), its value and what the input reached. Each limit has its own topic: `goslim explain limit:NAME`.', 'A hostile or broken input (an index of indexes, a decompression bomb, an expansion bomb), or a real input far larger than any seen so far.', 'If a real input crossed it, report the limit name and what it bounds; the limits are set generously above real images and Dockerfiles.'),
  E_READ_ONLY: input('Read-only file', 'A file goslim was asked to change in place is read-only (checked from its mode bits, even as root).', '`goslim fix --write` on a file without write permission.', 'Make it writable if the change is intended, or use `goslim fix` without --write to see the diff.'),
  E_SANDBOX: input('No sandbox', '`verify --run` cannot create a sandbox safe enough to run the image, and does not fall back to a weaker one.', 'No bubblewrap, user namespaces disabled, or a probe that needs root.', 'Install bubblewrap and allow unprivileged user namespaces, or run without --run (static checks only).'),
  E_INTERNAL: { title: 'Internal error', summary: 'A bug in goslim: an exception that is not one of the input errors above.', why: 'Input goslim does not handle yet, or a programming error.', fix: 'Run again with --debug and report the stack trace and the input (or how to make it).', exit: 3 },
};
