import type { AreaChecks } from '../area.ts';
import { nonEmptyStr, obj } from '../schema.ts';

// The shape checks of the registration area's messages (its topics: registration.ts).
export const REGISTRATION_CHECKS: AreaChecks = {
  documents: {
    register: obj({ deviceSecret: nonEmptyStr }),
    regnwl: obj({ clientId: nonEmptyStr, productKey: nonEmptyStr, deviceName: nonEmptyStr, deviceToken: nonEmptyStr }),
  },
};
