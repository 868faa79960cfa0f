// Builds the content flags that tell the investigator what a content filter cannot read: images, executables,
// type mismatches, and the limits that stopped an analysis.
import type { ContentFlag, ContentFlagKind, DetectedType } from '../../../shared/types.js';
import { MAX_FLAGS_PER_ATTACHMENT } from './attachment-limits.js';
import { describeType } from './detect-type.js';

/** Detected types that run as programs. */
const EXECUTABLE_TYPES = new Set(['exe', 'elf', 'macho', 'wasm', 'dex', 'class', 'lnk', 'apk', 'jar', 'deb', 'rpm', 'crx']);

/**
 * Extensions of files that Windows, macOS or a desktop shell run as a program or script when opened, even when
 * their bytes are text.
 */
const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'dll', 'scr', 'com', 'pif', 'cpl', 'msi', 'msp', 'msc', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js',
  'jse', 'wsf', 'wsh', 'hta', 'jar', 'lnk', 'reg', 'scf', 'sh', 'bash', 'command', 'app', 'apk', 'appx', 'msix',
  'gadget', 'application', 'sys', 'ocx', 'inf', 'url', 'iso', 'img', 'vhd', 'vhdx', 'dmg', 'pkg', 'deb', 'rpm',
  'py', 'pl', 'rb', 'elf', 'run', 'xll',
]);

/** Collects flags for one attachment and caps their number, so a hostile archive cannot flood the record. */
export class FlagList {
  readonly flags: ContentFlag[] = [];
  private isCapped = false;

  constructor(private readonly topLocation: string) {}

  /** Adds a flag unless the same one is already set. */
  add(kind: ContentFlagKind, location: string, detail: string): void {
    if (this.flags.some((flag) => flag.kind === kind && flag.location === location && flag.detail === detail)) return;
    if (this.flags.length >= MAX_FLAGS_PER_ATTACHMENT - 1) {
      if (!this.isCapped) {
        this.isCapped = true;
        this.flags.push({
          kind: 'limit-reached',
          location: this.topLocation,
          detail: `More than ${MAX_FLAGS_PER_ATTACHMENT} flags were raised for this attachment; the rest were dropped (MAX_FLAGS_PER_ATTACHMENT).`,
        });
      }
      return;
    }
    this.flags.push({ kind, location, detail });
  }
}

/** Describes why content is an executable, or returns null when it is not one. */
export function executableReason(detected: DetectedType | null, extension: string | null, data: Buffer): string | null {
  if (detected && EXECUTABLE_TYPES.has(detected.ext)) return `The bytes are ${describeType(detected)}, a program that runs when opened.`;
  if (extension !== null && EXECUTABLE_EXTENSIONS.has(extension)) {
    return `The name ends in .${extension}, a type that runs as a program or script (or mounts as a disk image) when opened.`;
  }
  if (data[0] === 0x23 && data[1] === 0x21) return 'The file starts with "#!", so it runs as a script.';
  return null;
}

/** Describes an image, or returns null when the detected type is not one. */
export function imageReason(detected: DetectedType | null): string | null {
  if (!detected?.mime.startsWith('image/')) return null;
  return `The bytes are a ${describeType(detected)} image, which can carry text that only OCR reads.`;
}
