import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../src/views/chat/attach/AttachmentView.tsx';
import { waveform } from '../src/views/chat/attach/recorder.ts';

describe('voice note waveform', () => {
  it('squeezes the samples to at most n points, each the peak of its span, as 0..255', () => {
    const levels = Array.from({ length: 640 }, (_, i) => (i % 10 === 0 ? 1 : 0.1));
    const w = waveform(levels, 64);
    expect(w).toHaveLength(64);
    expect(w.every((v) => v === 255)).toBe(true);
    expect(waveform([0, 0.5, 2], 64)).toEqual([0, 128, 255]);
    expect(waveform([], 64)).toEqual([]);
  });
});

describe('attachment labels', () => {
  it('sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25.0 MB');
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(61_400)).toBe('1:01');
  });
});
