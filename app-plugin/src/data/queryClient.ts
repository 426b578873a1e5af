import { QueryClient } from '@tanstack/react-query';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will not fix itself; retry only what may be transient.
        retry: (count, err) => {
          const status = (err as { status?: number }).status;
          return count < 2 && (status === undefined || status >= 500);
        },
        refetchOnWindowFocus: false,
      },
    },
  });
}

/** One client for everything rendered outside the app's pages (panel-menu modals). */
export const sharedQueryClient = createQueryClient();
