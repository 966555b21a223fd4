import type { Metadata } from "next";
import type { ReactNode } from "react";
import { browserToken } from "~/server/browser-token";
import { TRPCReactProvider } from "~/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Wharf",
  description: "A self-hosted task board for coding agents.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-950 font-sans text-slate-100 antialiased">
        <TRPCReactProvider token={await browserToken()}>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
