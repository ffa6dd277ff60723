/** Where a record is counted by reconciliation: its stream and the hour its log file was delivered. */
export interface AuditCell {
  /** `s3://<bucket>/<prefix>AWSLogs/[o-id/]<account>/<region>`: the account × region folder of one trail. */
  stream: string;
  /** Start of the delivery hour written in the log file's name (epoch ms). */
  hour: number;
}
