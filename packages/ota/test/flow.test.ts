import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manualClock } from '@linkwire/base';
import {
  OtaError, activateFirmware, checkUpgrade, createFirmwareVerifier, createProgressReporter, decodeProgress, decodeUpgradePush,
  decodeVersionInform, stringifyProgress, stringifyUpgradePush, stringifyVersionInform, otaTopics, parseOtaTopic, resumeFirmwareVerifier,
} from '@linkwire/ota';

// A device's whole OTA round, platform messages on both sides, with a reboot in the middle.
describe('an OTA round from push to the new version inform', () => {
  const image = new Uint8Array(1_000_003).map((_, i) => (i * 7919) >>> 3);
  const topics = otaTopics('a1B2c3D4e5F', 'device1');
  const push = stringifyUpgradePush({
    id: 1507707025,
    upgrade: { version: '2.0.0', size: image.length, url: 'https://ota.example.com/fw-2.0.0.bin', digestMethod: 'sha256', digest: createHash('sha256').update(image).digest('hex'), module: 'default' },
  });

  it('downloads, survives a reboot, reports paced progress, activates only after verification', () => {
    expect(parseOtaTopic(topics.upgrade)?.kind).toBe('upgrade');
    const { upgrade } = decodeUpgradePush(push);
    expect(checkUpgrade('1.9.3', upgrade.version).ok).toBe(true);
    const clock = manualClock(0);
    const reporter = createProgressReporter({ clock, everyPercent: 10, minIntervalMs: 500 });
    const published: string[] = [];
    const report = (r: { step: number; desc?: string } | undefined) => {
      if (r) published.push(stringifyProgress({ id: published.length + 1, ...r }));
    };

    let verifier = createFirmwareVerifier(upgrade);
    let stored: string | undefined;
    for (let o = 0; o < image.length; o += 16_384) {
      if (o === 507_904) {
        // Power loss: only the flash (and the saved state) survive.
        verifier = resumeFirmwareVerifier(upgrade, JSON.parse(stored!));
        expect(verifier.rangeHeader()).toBe(`bytes=${o}-`);
      }
      verifier.update(image.subarray(o, o + 16_384));
      stored = JSON.stringify(verifier.save());
      clock.advance(100);
      report(reporter.progress(verifier.percent!));
    }
    const firmware = verifier.finish();
    report(reporter.succeed());
    const installed = activateFirmware(firmware, (fw) => fw.version ?? '');
    const inform = stringifyVersionInform({ id: 99, version: installed, module: 'default' });

    const steps = published.map((p) => decodeProgress(p).step);
    expect(steps.at(-1)).toBe(100);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1]!)).toBe(true);
    expect(steps.length).toBeLessThanOrEqual(11);
    expect(decodeVersionInform(inform)).toEqual({ id: 99, version: '2.0.0', module: 'default' });
  });

  it('a corrupted download is reported as −3 and never activated', () => {
    const { upgrade } = decodeUpgradePush(push);
    const reporter = createProgressReporter({ clock: manualClock(0) });
    const bad = image.slice();
    bad[123_456]! ^= 4;
    const v = createFirmwareVerifier(upgrade);
    v.update(bad);
    let activated = false;
    try {
      activateFirmware(v.finish(), () => (activated = true));
    } catch (e) {
      expect(e).toBeInstanceOf(OtaError);
      const r = reporter.fail((e as OtaError).step!, (e as OtaError).message)!;
      expect(decodeProgress(stringifyProgress({ id: 1, ...r }))).toMatchObject({ step: -3 });
    }
    expect(activated).toBe(false);
  });
});
