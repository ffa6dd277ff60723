/**
 * The AWS commercial regions `--regions all` checks. Opt-in regions are off for an account until enabled;
 * CloudTrail there refuses the account's credentials, which doctor reports as not enabled rather than wrong.
 */
export const awsRegions: readonly { name: string; optIn: boolean }[] = [
  ['us-east-1', false],
  ['us-east-2', false],
  ['us-west-1', false],
  ['us-west-2', false],
  ['ca-central-1', false],
  ['ca-west-1', true],
  ['mx-central-1', true],
  ['sa-east-1', false],
  ['eu-west-1', false],
  ['eu-west-2', false],
  ['eu-west-3', false],
  ['eu-central-1', false],
  ['eu-central-2', true],
  ['eu-north-1', false],
  ['eu-south-1', true],
  ['eu-south-2', true],
  ['il-central-1', true],
  ['me-south-1', true],
  ['me-central-1', true],
  ['af-south-1', true],
  ['ap-south-1', false],
  ['ap-south-2', true],
  ['ap-east-1', true],
  ['ap-east-2', true],
  ['ap-northeast-1', false],
  ['ap-northeast-2', false],
  ['ap-northeast-3', false],
  ['ap-southeast-1', false],
  ['ap-southeast-2', false],
  ['ap-southeast-3', true],
  ['ap-southeast-4', true],
  ['ap-southeast-5', true],
  ['ap-southeast-7', true],
].map(([name, optIn]) => ({ name: name as string, optIn: optIn as boolean }));

/** Whether a region is opt-in; a region doctor does not know is treated as opt-in (a newer one). */
export function isOptInRegion(region: string): boolean {
  return awsRegions.find((known) => known.name === region)?.optIn ?? true;
}
