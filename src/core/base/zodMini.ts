/** zod/mini, loaded only when a shape is first checked (shape.ts requires this file then). */
import * as z from 'zod/mini';

export { z };
