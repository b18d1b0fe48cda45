import { describePublicApiFuzz } from './public-api-fuzz.test-harness';

// Issue 19's hostile-input run, half of the routes (the other half: public-api.fuzz-2.spec.ts); jest runs both side by side.
describePublicApiFuzz(1, 2);
