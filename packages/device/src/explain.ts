// The seed's meaning of a reply code, for reply_error messages: imported when the first error
// reply arrives, so the code table is not part of a browser device's first download.
export { explainCode } from '@linkwire/alink/codes';
