/**
 * S3 quotes ETags in responses and listings (`"abc"`) and not in notifications: references carry them
 * bare and comparisons use them bare. '' when there is none.
 */
export function bareEtag(etag: string | null | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
