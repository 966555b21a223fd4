import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { protectedProcedure } from "../trpc";

export const authRouter = {
  /**
   * Replaces the access token with a new random one and returns it, once. The old token stops
   * working at once, for bearer clients and for browser session cookies alike (the cookie holds
   * the token), and the server ends subscriptions that are open.
   */
  rotateToken: protectedProcedure.input(z.void()).mutation(({ ctx }) => {
    if (!ctx.rotateToken) {
      throw new TRPCError({
        code: "PRECONDITION_FAILED",
        message: "This server cannot rotate its token. Run \"wharf token rotate\" against Wharf's web server.",
      });
    }
    return { token: ctx.rotateToken() };
  }),
};
