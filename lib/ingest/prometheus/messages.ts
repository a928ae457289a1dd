/** The shared listing rule (common/line-errors.ts), under the names the Prometheus and Pushgateway code uses. */
export { describeLineErrors, formatLineError, MAX_LISTED_LINE_ERRORS } from '../common/line-errors.ts';
