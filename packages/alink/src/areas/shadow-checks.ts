import type { AreaChecks } from '../area.ts';
import { obj, str } from '../schema.ts';

// The shape checks of the shadow area's messages (its topics: shadow.ts).
export const SHADOW_CHECKS: AreaChecks = {
  documents: {
    shadowUpdate: obj({ method: str }),
    shadowGet: obj({ method: str }),
  },
};
